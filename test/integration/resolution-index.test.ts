// GET /index/config.json and GET /index/:name: what a resolver needs to install
// a tree without the API, in one statement per read.
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE, call, callJson } from '../helpers/client';
import { countDbFetches, httpReadsEnabled } from '../helpers/db-fetches';
import { createUser, type TestUser } from '../helpers/factories';
import { packageName, publishPackage, sha256 } from '../helpers/packages';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function indexOf(name: string) {
  const res = await call(`/index/${name}`);
  const text = new TextDecoder().decode(await res.arrayBuffer());
  return {
    res,
    text,
    lines: text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  };
}

let owner: TestUser;
beforeAll(async () => {
  owner = await createUser('idx');
});

describe('GET /index/config.json', () => {
  it('gives the download URL template and the API base', async () => {
    const { status, body } = await callJson('/index/config.json');
    expect(status).toBe(200);
    expect(body).toEqual({
      dl: `${BASE}/api/v1/packages/{name}/{version}/download`,
      api: `${BASE}/api/v1`,
    });
  });
});

describe('GET /index/:name', () => {
  it('lists every version in publish order as NDJSON, yanked ones marked, checksums as the tarballs hash', async () => {
    const name = packageName('idx');
    const dep = packageName('idxdep');
    await publishPackage(owner.token, dep, '1.0.0');
    const first = await publishPackage(owner.token, name, '1.1.0', {
      dependencies: { [dep]: '^1.0', 'raven-http': { version: '0.1', features: ['json'], optional: true } },
      dev_dependencies: { 'raven-test': '1.0.0' },
    });
    // Published after 1.1.0, so it comes second whatever its semver order.
    const second = await publishPackage(owner.token, name, '1.0.1');
    expect((await call(`/packages/${name}/1.0.1`, { method: 'DELETE', token: owner.token })).status).toBe(200);

    const { res, text, lines } = await indexOf(name);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(text.endsWith('\n')).toBe(true);
    expect(lines).toEqual([
      {
        name,
        vers: '1.1.0',
        deps: [
          {
            name: dep,
            req: '^1.0',
            kind: 'normal',
            optional: false,
            features: [],
            default_features: true,
            package: dep,
          },
          {
            name: 'raven-http',
            req: '0.1',
            kind: 'normal',
            optional: true,
            features: ['json'],
            default_features: true,
            package: 'raven-http',
          },
          {
            name: 'raven-test',
            req: '1.0.0',
            kind: 'dev',
            optional: false,
            features: [],
            default_features: true,
            package: 'raven-test',
          },
        ],
        cksum: (await sha256(first.tarball)).slice('sha256:'.length),
        yanked: false,
        deprecated: false,
        published_at: expect.stringMatching(ISO),
        v: 1,
      },
      {
        name,
        vers: '1.0.1',
        deps: [],
        cksum: (await sha256(second.tarball)).slice('sha256:'.length),
        yanked: true,
        deprecated: false,
        published_at: expect.stringMatching(ISO),
        v: 1,
      },
    ]);
  });

  it('only `yanked` and `deprecated` ever change in a line', async () => {
    const name = packageName('idx');
    await publishPackage(owner.token, name, '1.0.0');
    const before = (await indexOf(name)).lines[0];
    await call(`/packages/${name}/deprecate`, { method: 'PUT', token: owner.token, json: { message: 'Old.' } });
    await call(`/packages/${name}/1.0.0`, { method: 'DELETE', token: owner.token });
    const after = (await indexOf(name)).lines[0];
    expect(after).toEqual({ ...before, yanked: true, deprecated: true });
  });

  it('is 404 for an unknown package (name case folded like the API)', async () => {
    const missing = await callJson(`/index/${packageName('nope')}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('not_found');
    const name = packageName('idx');
    await publishPackage(owner.token, name, '1.0.0');
    expect((await indexOf(name.toUpperCase())).lines.map((l) => l.vers)).toEqual(['1.0.0']);
  });

  it('costs one database statement per read', async () => {
    const name = packageName('idx');
    await publishPackage(owner.token, name, '1.0.0');
    await publishPackage(owner.token, name, '1.1.0');
    const count = await countDbFetches(async () => {
      const res = await call(`/index/${name}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    });
    expect(count).toBe(httpReadsEnabled() ? 1 : 0);
  });
});
