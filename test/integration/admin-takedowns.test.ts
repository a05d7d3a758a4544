// Operators' takedowns: who may, and what a taken-down version or package
// looks like everywhere (downloads 451 with the reason, out of the package
// reply, the index, search, listings, profiles and the website), what stays
// (the blob in R2), which caches are purged, and that a restore undoes it all.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminCall, createOperator } from '../helpers/admin';
import { api, read } from '../helpers/api';
import { callJson } from '../helpers/client';
import { anIso, errorBody, r2KeyFor } from '../helpers/contract';
import { createUser, type TestUser, unique } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';

let operator: TestUser;
let operators: string[];
let owner: TestUser;

beforeAll(async () => {
  ({ operator, operators } = await createOperator());
  owner = await createUser('tdo');
});

const takedown = (name: string, json: unknown, token = operator.token) =>
  adminCall(`/admin/packages/${name}/takedown`, { method: 'POST', token, json, operators });
const restore = (name: string, json: unknown = {}) =>
  adminCall(`/admin/packages/${name}/restore`, { method: 'POST', token: operator.token, json, operators });
const download = (name: string, version: string) => adminCall(`/packages/${name}/${version}/download`);
const downloadUrl = (name: string, version: string) =>
  `http://registry.test/api/v1/packages/${name}/${version}/download`;

async function indexVersions(name: string): Promise<string[] | number> {
  const res = await adminCall(`/index/${name}`);
  if (res.status !== 200) return res.status;
  return res.text
    .trim()
    .split('\n')
    .map((line: string) => JSON.parse(line).vers);
}

describe('who may take a package down', () => {
  it('only an operator with a session token; everyone else is refused and nothing changes', async () => {
    const name = packageName('tdw');
    await publishPackage(owner.token, name);
    const apiToken = await read(api(operator.token).users.me.tokens.$post({ json: { name: unique('t') } }));
    const json = { reason: 'malware' };
    const anonymous = await adminCall(`/admin/packages/${name}/takedown`, { method: 'POST', json, operators });
    expect(anonymous.status).toBe(401);
    for (const token of [owner.token, apiToken.body.token]) {
      const refused = await takedown(name, json, token);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual(errorBody('permission_denied'));
      expect(refused.purged).toEqual([]);
    }
    // An operator named nowhere in ADMIN_USERNAMES for this request is nobody.
    const noList = await adminCall(`/admin/packages/${name}/takedown`, { method: 'POST', token: operator.token, json });
    expect(noList.status).toBe(403);
    expect((await download(name, '1.0.0')).status).toBe(200);
  });

  it('needs a reason, and names an existing package and version', async () => {
    const name = packageName('tdv');
    await publishPackage(owner.token, name);
    const noReason = await takedown(name, { reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.details.fields.reason).toBeDefined();
    expect((await takedown(name, { version: 'one', reason: 'x' })).status).toBe(400);
    expect((await takedown(name, { version: '9.9.9', reason: 'x' })).status).toBe(404);
    expect((await takedown(packageName('tdnone'), { reason: 'x' })).status).toBe(404);
  });
});

describe('taking down one version', () => {
  it('answers 451 with the reason, hides it everywhere, keeps the blob, and a restore brings it back', async () => {
    const name = packageName('tdver');
    await publishPackage(owner.token, name, '1.0.0');
    const bad = await publishPackage(owner.token, name, '1.1.0');
    // Warm this data centre's cached copy of the download first.
    expect((await download(name, '1.1.0')).status).toBe(200);
    const cached = await caches.default.match(downloadUrl(name, '1.1.0'));
    // Tagged, so the takedown's tag purge reaches the copies in every data centre...
    expect(cached?.headers.get('cache-tag')).toBe(`pkg:${name},pkg:${name}@1.1.0`);
    await cached?.body?.cancel();
    // ...while clients never see the tag.
    const warm = await download(name, '1.1.0');
    expect(warm.status).toBe(200);
    expect(warm.res.headers.get('cache-tag')).toBeNull();

    const reason = `Malware ${unique('r')}`;
    const done = await takedown(name, { version: '1.1.0', reason });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ name, version: '1.1.0', taken_down: true, reason, taken_down_at: anIso() });
    expect(done.purged).toEqual([[`pkg:${name}`, `pkg:${name}@1.1.0`]]);
    expect(await caches.default.match(downloadUrl(name, '1.1.0'))).toBeUndefined();

    const refused = await download(name, '1.1.0');
    expect(refused.status).toBe(451);
    expect(refused.body).toEqual(
      errorBody('taken_down', {
        message: `${name} 1.1.0 was taken down by the registry operators: ${reason}`,
        details: { reason, scope: 'version', taken_down_at: done.body.taken_down_at },
      }),
    );
    expect(refused.res.headers.get('cache-control')).toBe('private, no-store');
    expect((await download(name, '1.0.0')).status).toBe(200);
    expect(await env.TARBALLS.head(r2KeyFor(bad.body.checksum))).not.toBeNull();

    const info = await callJson(`/packages/${name}`);
    expect(info.body.versions).toEqual(['1.0.0']);
    expect(info.body.latest_version).toBe('1.0.0');
    expect(info.body.yanked_versions).toEqual([]);
    expect((await callJson(`/packages/${name}/1.1.0`)).status).toBe(451);
    expect(await indexVersions(name)).toEqual(['1.0.0']);
    const page = await adminCall(`site:/packages/${name}/1.1.0`);
    expect(page.status).toBe(451);
    expect(page.text).toContain(reason);
    expect(page.text).toContain('was removed');
    const latestPage = await adminCall(`site:/packages/${name}`);
    expect(latestPage.status).toBe(200);
    expect(latestPage.text).not.toContain('1.1.0');

    const back = await restore(name, { version: '1.1.0' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ name, version: '1.1.0', taken_down: false });
    expect(back.purged).toEqual([[`pkg:${name}`, `pkg:${name}@1.1.0`]]);
    const again = await download(name, '1.1.0');
    expect(again.status).toBe(200);
    expect(again.res.headers.get('etag')).toBe(`"${bad.body.checksum}"`);
    expect((await callJson(`/packages/${name}`)).body.latest_version).toBe('1.1.0');
    expect(await indexVersions(name)).toEqual(['1.0.0', '1.1.0']);

    const audit = await adminCall('/admin/audit?limit=200', { token: operator.token, operators });
    const mine = audit.body.entries.filter((e: { package: string }) => e.package === name);
    expect(mine.map((e: { action: string; version: string }) => `${e.action} ${e.version}`)).toEqual([
      'version.restore 1.1.0',
      'version.takedown 1.1.0',
    ]);
    expect(mine[1].reason).toBe(reason);
    expect(mine[1].actor.username).toBe(operator.username);
  });
});

describe('taking down a whole package', () => {
  it('leaves search, categories, profiles, the index and the website; publishing is refused; restore undoes it', async () => {
    const name = packageName('tdpkg');
    await publishPackage(owner.token, name, '1.0.0', { keywords: ['testing'] });
    const search = async () =>
      (await callJson(`/search?q=${name}`)).body.results.map((r: { name: string }) => r.name) as string[];
    const category = async () =>
      (await callJson('/packages/categories/testing?limit=100')).body.packages.map((p: { name: string }) => p.name);
    const profile = async () =>
      (await callJson(`/users/${owner.username}`)).body.packages.map((p: { name: string }) => p.name);
    expect(await search()).toContain(name);
    expect(await profile()).toContain(name);
    expect((await download(name, '1.0.0')).status).toBe(200);
    expect(await caches.default.match(downloadUrl(name, '1.0.0'))).toBeDefined();

    const reason = 'Stolen code: a copy of another project under a new name.';
    const done = await takedown(name, { reason });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ name, version: '', taken_down: true, reason });
    expect(done.purged).toEqual([[`pkg:${name}`]]);
    // Every version's cached download goes, not only the latest's.
    expect(await caches.default.match(downloadUrl(name, '1.0.0'))).toBeUndefined();

    const info = await callJson(`/packages/${name}`);
    expect(info.status).toBe(451);
    expect(info.body).toEqual(
      errorBody('taken_down', {
        message: `"${name}" was taken down by the registry operators: ${reason}`,
        details: { reason, scope: 'package', taken_down_at: done.body.taken_down_at },
      }),
    );
    expect((await download(name, '1.0.0')).body.details.scope).toBe('package');
    expect((await callJson(`/packages/${name}/1.0.0`)).status).toBe(451);
    expect(await indexVersions(name)).toBe(451);
    expect(await search()).not.toContain(name);
    expect(await category()).not.toContain(name);
    expect(await profile()).not.toContain(name);
    const page = await adminCall(`site:/packages/${name}`);
    expect(page.status).toBe(451);
    expect(page.text).toContain(`${name} was removed`);
    expect(page.text).toContain(reason);

    const blocked = await publishPackage(owner.token, name, '1.0.1').catch((err: Error) => err.message);
    expect(blocked).toMatch(/^publish .* failed: 403 .*taken down by the registry operators/);

    const back = await restore(name, { reason: 'Cleared after review.' });
    expect(back.status).toBe(200);
    expect(back.purged).toEqual([[`pkg:${name}`]]);
    expect((await callJson(`/packages/${name}`)).body.latest_version).toBe('1.0.0');
    expect((await download(name, '1.0.0')).status).toBe(200);
    expect(await search()).toContain(name);
    expect(await category()).toContain(name);
    expect(await profile()).toContain(name);
    expect((await adminCall(`site:/packages/${name}`)).status).toBe(200);
  });
});

describe("a taken-down package's numbers", () => {
  it('are withheld as its info is (451 with the reason), and a taken-down version is not counted', async () => {
    const name = packageName('tdstats');
    await publishPackage(owner.token, name, '1.0.0');
    await publishPackage(owner.token, name, '1.1.0');
    expect((await callJson(`/packages/${name}/stats`)).body.versions_count).toBe(2);

    expect((await takedown(name, { version: '1.1.0', reason: 'malware' })).status).toBe(200);
    expect((await callJson(`/packages/${name}/stats`)).body.versions_count).toBe(1);

    const reason = 'Malware in every version.';
    expect((await takedown(name, { reason })).status).toBe(200);
    const stats = await callJson(`/packages/${name}/stats`);
    expect(stats.status).toBe(451);
    expect(stats.body).toEqual(
      errorBody('taken_down', {
        message: `"${name}" was taken down by the registry operators: ${reason}`,
        details: { reason, scope: 'package', taken_down_at: anIso() },
      }),
    );
  });
});
