// Yank and unyank: out of `versions` and resolution, still described and
// downloadable; latest_version and the package's metadata follow the latest.
import { describe, expect, it } from 'vitest';
import { api, read } from '../helpers/api';
import { call } from '../helpers/client';
import { anIso } from '../helpers/contract';
import { createUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';

const yank = (token: string, name: string, version: string) =>
  read(api(token).packages[':name'][':version'].$delete({ param: { name, version } }));
const unyank = (token: string, name: string, version: string) =>
  read(api(token).packages[':name'][':version'].unyank.$put({ param: { name, version } }));
const packageInfo = (name: string) => read(api().packages[':name'].$get({ param: { name } }));
const versionInfo = (name: string, version: string) =>
  read(api().packages[':name'][':version'].$get({ param: { name, version } }));

describe('yank and unyank', () => {
  it('takes a version out of versions and latest_version, keeps it described and downloadable, and puts it back', async () => {
    const user = await createUser('yank');
    const name = packageName('yank');
    await publishPackage(user.token, name, '1.0.0', { description: 'first' });
    const second = await publishPackage(user.token, name, '1.1.0', { description: 'second' });
    expect((await packageInfo(name)).body).toMatchObject({
      latest_version: '1.1.0',
      description: 'second',
    });

    const yanked = await yank(user.token, name, '1.1.0');
    expect(yanked.status).toBe(200);
    expect(yanked.body).toEqual({ name, version: '1.1.0', yanked: true, yanked_at: anIso() });

    const pkg = await packageInfo(name);
    expect(pkg.body).toMatchObject({
      versions: ['1.0.0'],
      yanked_versions: ['1.1.0'],
      latest_version: '1.0.0',
      description: 'first',
    });
    const version = await versionInfo(name, '1.1.0');
    expect(version.body).toMatchObject({ yanked: true, yanked_at: yanked.body.yanked_at });
    const download = await call(`/packages/${name}/1.1.0/download`);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(second.tarball);

    const again = await yank(user.token, name, '1.1.0');
    expect(again.body.yanked_at).toBe(yanked.body.yanked_at);

    const unyanked = await unyank(user.token, name, '1.1.0');
    expect(unyanked.status).toBe(200);
    expect(unyanked.body).toEqual({ name, version: '1.1.0', yanked: false });
    expect((await packageInfo(name)).body).toMatchObject({
      versions: ['1.0.0', '1.1.0'],
      yanked_versions: [],
      latest_version: '1.1.0',
      description: 'second',
    });
    expect((await versionInfo(name, '1.1.0')).body).toMatchObject({ yanked: false, yanked_at: '' });
  });

  it('prefers releases for latest_version, falls back to pre-releases, and says "" when all are yanked', async () => {
    const user = await createUser('latest');
    const name = packageName('latest');
    await publishPackage(user.token, name, '1.0.0');
    await publishPackage(user.token, name, '2.0.0-beta.1');
    expect((await packageInfo(name)).body.latest_version).toBe('1.0.0');
    await yank(user.token, name, '1.0.0');
    expect((await packageInfo(name)).body.latest_version).toBe('2.0.0-beta.1');
    await yank(user.token, name, '2.0.0-beta.1');
    const { body } = await packageInfo(name);
    expect(body.latest_version).toBe('');
    expect(body.versions).toEqual([]);
    expect(body.yanked_versions).toEqual(['1.0.0', '2.0.0-beta.1']);
  });

  // Who may yank at all (no token, strangers, scopes): test/integration/auth-matrix.test.ts.
  it('answers 404 for an unknown version or package, and lets a token scoped to yanking yank', async () => {
    const owner = await createUser('yowner');
    const name = packageName('yauth');
    await publishPackage(owner.token, name, '1.0.0');
    expect((await yank(owner.token, name, '9.9.9')).status).toBe(404);
    expect((await yank(owner.token, `${name}-nope`, '1.0.0')).status).toBe(404);
    expect((await packageInfo(name)).body.versions).toEqual(['1.0.0']);

    const yankOnly = await read(api(owner.token).users.me.tokens.$post({ json: { name: 'yank', scopes: ['yank'] } }));
    expect((await yank(yankOnly.body.token, name, '1.0.0')).status).toBe(200);
  });
});
