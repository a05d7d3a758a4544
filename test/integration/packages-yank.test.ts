// Yank and unyank: out of `versions` and resolution, still described and
// downloadable; latest_version and the package's metadata follow the latest.
import { describe, expect, it } from 'vitest';
import { call, callJson } from '../helpers/client';
import { createUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('yank and unyank', () => {
  it('takes a version out of versions and latest_version, keeps it described and downloadable, and puts it back', async () => {
    const user = await createUser('yank');
    const name = packageName('yank');
    await publishPackage(user.token, name, '1.0.0', { description: 'first' });
    const second = await publishPackage(user.token, name, '1.1.0', { description: 'second' });
    expect((await callJson(`/packages/${name}`)).body).toMatchObject({
      latest_version: '1.1.0',
      description: 'second',
    });

    const yank = await callJson(`/packages/${name}/1.1.0`, { method: 'DELETE', token: user.token });
    expect(yank.status).toBe(200);
    expect(yank.body).toEqual({ name, version: '1.1.0', yanked: true, yanked_at: expect.stringMatching(ISO) });

    const pkg = await callJson(`/packages/${name}`);
    expect(pkg.body).toMatchObject({
      versions: ['1.0.0'],
      yanked_versions: ['1.1.0'],
      latest_version: '1.0.0',
      description: 'first',
    });
    const version = await callJson(`/packages/${name}/1.1.0`);
    expect(version.body).toMatchObject({ yanked: true, yanked_at: yank.body.yanked_at });
    const download = await call(`/packages/${name}/1.1.0/download`);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(second.tarball);

    const again = await callJson(`/packages/${name}/1.1.0`, { method: 'DELETE', token: user.token });
    expect(again.body.yanked_at).toBe(yank.body.yanked_at);

    const unyank = await callJson(`/packages/${name}/1.1.0/unyank`, { method: 'PUT', token: user.token });
    expect(unyank.status).toBe(200);
    expect(unyank.body).toEqual({ name, version: '1.1.0', yanked: false });
    expect((await callJson(`/packages/${name}`)).body).toMatchObject({
      versions: ['1.0.0', '1.1.0'],
      yanked_versions: [],
      latest_version: '1.1.0',
      description: 'second',
    });
    expect((await callJson(`/packages/${name}/1.1.0`)).body).toMatchObject({ yanked: false, yanked_at: '' });
  });

  it('prefers releases for latest_version, falls back to pre-releases, and says "" when all are yanked', async () => {
    const user = await createUser('latest');
    const name = packageName('latest');
    await publishPackage(user.token, name, '1.0.0');
    await publishPackage(user.token, name, '2.0.0-beta.1');
    expect((await callJson(`/packages/${name}`)).body.latest_version).toBe('1.0.0');
    await callJson(`/packages/${name}/1.0.0`, { method: 'DELETE', token: user.token });
    expect((await callJson(`/packages/${name}`)).body.latest_version).toBe('2.0.0-beta.1');
    await callJson(`/packages/${name}/2.0.0-beta.1`, { method: 'DELETE', token: user.token });
    const { body } = await callJson(`/packages/${name}`);
    expect(body.latest_version).toBe('');
    expect(body.versions).toEqual([]);
    expect(body.yanked_versions).toEqual(['1.0.0', '2.0.0-beta.1']);
  });

  it('answers 404 for an unknown version or package, 401 without a token, 403 for a stranger or the wrong scope', async () => {
    const owner = await createUser('yowner');
    const name = packageName('yauth');
    await publishPackage(owner.token, name, '1.0.0');
    expect((await callJson(`/packages/${name}/9.9.9`, { method: 'DELETE', token: owner.token })).status).toBe(404);
    expect((await callJson(`/packages/${name}-nope/1.0.0`, { method: 'DELETE', token: owner.token })).status).toBe(404);
    expect((await callJson(`/packages/${name}/1.0.0`, { method: 'DELETE' })).status).toBe(401);

    const stranger = await createUser('ystranger');
    const refused = await callJson(`/packages/${name}/1.0.0`, { method: 'DELETE', token: stranger.token });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('permission_denied');

    const publishOnly = await callJson('/users/me/tokens', {
      token: owner.token,
      json: { name: 'publish-only', scopes: ['publish'] },
    });
    const scoped = await callJson(`/packages/${name}/1.0.0`, { method: 'DELETE', token: publishOnly.body.token });
    expect(scoped.status).toBe(403);
    const unyankScoped = await callJson(`/packages/${name}/1.0.0/unyank`, {
      method: 'PUT',
      token: publishOnly.body.token,
    });
    expect(unyankScoped.status).toBe(403);
    expect((await callJson(`/packages/${name}`)).body.versions).toEqual(['1.0.0']);

    const yankOnly = await callJson('/users/me/tokens', {
      token: owner.token,
      json: { name: 'yank', scopes: ['yank'] },
    });
    expect((await callJson(`/packages/${name}/1.0.0`, { method: 'DELETE', token: yankOnly.body.token })).status).toBe(
      200,
    );
  });
});
