// Which edge-cache tags each write purges, seen through an execution context
// that has `cache.purge` (Miniflare's has none yet, so the Worker would only
// log). A purge follows the committed write; refused writes purge nothing.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { type AdminSent, adminCall } from '../helpers/admin';
import { API, call, uniqueIp } from '../helpers/client';
import { createUser, type TestUser } from '../helpers/factories';
import { makeTarball, metadataFor, multipartBody, packageName, publishPackage } from '../helpers/packages';

const app = createApp();

/** One request through the app with a purge-capable context: the reply and every purge call's tags. */
const withPurges = adminCall;

async function ownedPackage(prefix = 'purge') {
  const owner = await createUser('pgo');
  const name = packageName(prefix);
  await publishPackage(owner.token, name, '1.0.0');
  return { owner, name };
}

let stranger: TestUser;
beforeAll(async () => {
  stranger = await createUser('pgs');
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('writes purge exactly the tags of what they changed', () => {
  it('publish purges the package tag (package reply and index)', async () => {
    const owner = await createUser('pgp');
    const name = packageName('purge');
    const tarball = await makeTarball(name, '1.0.0');
    const { body, contentType } = multipartBody(metadataFor(name, '1.0.0'), tarball);
    const res = await withPurges('/packages/publish', {
      method: 'POST',
      token: owner.token,
      body,
      headers: { 'content-type': contentType },
    });
    expect(res.status).toBe(201);
    expect(res.purged).toEqual([[`pkg:${name}`]]);
  });

  it('yank and unyank purge the package and the version', async () => {
    const { owner, name } = await ownedPackage();
    const yank = await withPurges(`/packages/${name}/1.0.0`, { method: 'DELETE', token: owner.token });
    expect(yank.status).toBe(200);
    expect(yank.purged).toEqual([[`pkg:${name}`, `pkg:${name}@1.0.0`]]);
    const unyank = await withPurges(`/packages/${name}/1.0.0/unyank`, { method: 'PUT', token: owner.token });
    expect(unyank.status).toBe(200);
    expect(unyank.purged).toEqual([[`pkg:${name}`, `pkg:${name}@1.0.0`]]);
  });

  it('deleting purges the package and the deleted versions; a refused deletion purges nothing', async () => {
    const { owner, name } = await ownedPackage();
    await publishPackage(owner.token, name, '1.1.0');
    const refused = await withPurges(`/packages/${name}/delete`, { method: 'POST', token: stranger.token, json: {} });
    expect(refused.status).toBe(403);
    expect(refused.purged).toEqual([]);
    const one = await withPurges(`/packages/${name}/delete`, {
      method: 'POST',
      token: owner.token,
      json: { version: '1.1.0' },
    });
    expect(one.status).toBe(200);
    expect(one.purged).toEqual([[`pkg:${name}`, `pkg:${name}@1.1.0`]]);
    await publishPackage(owner.token, name, '1.2.0');
    const all = await withPurges(`/packages/${name}/delete`, { method: 'POST', token: owner.token, json: {} });
    expect(all.status).toBe(200);
    expect(all.purged).toEqual([[`pkg:${name}`, `pkg:${name}@1.0.0`, `pkg:${name}@1.2.0`]]);
  });

  it('deprecate and undeprecate purge the package tag', async () => {
    const { owner, name } = await ownedPackage();
    const put = await withPurges(`/packages/${name}/deprecate`, {
      method: 'PUT',
      token: owner.token,
      json: { message: 'Use something else.' },
    });
    expect(put.status).toBe(200);
    expect(put.purged).toEqual([[`pkg:${name}`]]);
    const del = await withPurges(`/packages/${name}/deprecate`, { method: 'DELETE', token: owner.token });
    expect(del.status).toBe(200);
    expect(del.purged).toEqual([[`pkg:${name}`]]);
  });

  it('owner changes the package reply can show purge its tag; an invitation alone purges nothing', async () => {
    const { owner, name } = await ownedPackage();
    const member = await createUser('pgm');
    const invited = await withPurges(`/packages/${name}/owners`, {
      method: 'PUT',
      token: owner.token,
      json: { username: member.username, role: 'maintainer' },
    });
    expect(invited.status).toBe(202);
    expect(invited.purged).toEqual([]);

    const accepted = await withPurges(`/users/me/invitations/${invited.body.invitation_id}/accept`, {
      method: 'POST',
      token: member.token,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.purged).toEqual([[`pkg:${name}`]]);

    const promoted = await withPurges(`/packages/${name}/owners`, {
      method: 'PUT',
      token: owner.token,
      json: { username: member.username, role: 'owner' },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.purged).toEqual([[`pkg:${name}`]]);

    const removed = await withPurges(`/packages/${name}/owners/${member.username}`, {
      method: 'DELETE',
      token: owner.token,
    });
    expect(removed.status).toBe(200);
    expect(removed.purged).toEqual([[`pkg:${name}`]]);
  });

  it('refused writes purge nothing', async () => {
    const { name } = await ownedPackage();
    const attempts: [string, AdminSent][] = [
      [`/packages/${name}/1.0.0`, { method: 'DELETE', token: stranger.token }],
      [`/packages/${name}/1.0.0/unyank`, { method: 'PUT' }],
      [`/packages/${name}/deprecate`, { method: 'PUT', token: stranger.token, json: { message: 'mine now' } }],
      [`/packages/${name}/owners`, { method: 'PUT', token: stranger.token, json: { username: 'x', role: 'owner' } }],
    ];
    for (const [path, sent] of attempts) {
      const res = await withPurges(path, sent);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.purged, path).toEqual([]);
    }
  });

  it('reads purge nothing', async () => {
    const { name } = await ownedPackage();
    for (const path of [`/packages/${name}`, `/packages/${name}/1.0.0`, `/index/${name}`]) {
      expect((await withPurges(path)).purged).toEqual([]);
    }
  });
});

describe('without a purge API (Miniflare today)', () => {
  it('the write succeeds and the Worker logs what it would purge', async () => {
    const { owner, name } = await ownedPackage();
    const log = vi.spyOn(console, 'log');
    const res = await call(`/packages/${name}/1.0.0`, { method: 'DELETE', token: owner.token });
    expect(res.status).toBe(200);
    const lines = log.mock.calls.map((args) => String(args[0])).filter((l) => l.includes('edge cache purge'));
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: 'info', msg: 'edge cache purge (not available here)', tags: [`pkg:${name}`, `pkg:${name}@1.0.0`] },
    ]);
  });

  it('a purge that fails is logged and the write still succeeds', async () => {
    const { owner, name } = await ownedPackage();
    const errors = vi.spyOn(console, 'error');
    const real = createExecutionContext();
    const ctx = {
      waitUntil: (p: Promise<unknown>) => real.waitUntil(p),
      passThroughOnException: () => {},
      props: {},
      cache: {
        purge: async () => ({ success: false, errors: [{ code: 1015, message: 'rate limited' }] }),
      },
    };
    const headers = { authorization: `Bearer ${owner.token}`, 'cf-connecting-ip': uniqueIp() };
    const res = await app.request(`${API}/packages/${name}/1.0.0`, { method: 'DELETE', headers }, env, ctx);
    await waitOnExecutionContext(real);
    expect(res.status).toBe(200);
    const lines = errors.mock.calls.map((args) => String(args[0])).filter((l) => l.includes('edge cache purge'));
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        level: 'error',
        msg: 'edge cache purge refused',
        tags: [`pkg:${name}`, `pkg:${name}@1.0.0`],
        errors: ['rate limited'],
      },
    ]);
  });
});
