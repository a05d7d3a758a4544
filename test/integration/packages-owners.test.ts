// Owners and maintainers, and the owners-only audit trail.
import { describe, expect, it } from 'vitest';
import { api, read } from '../helpers/api';
import { anIso, ISO, UUID } from '../helpers/contract';
import { createUser, type TestUser } from '../helpers/factories';
import { addOwner, invite as put } from '../helpers/owners';
import { makeTarball, metadataFor, packageName, publishPackage, publishRaw } from '../helpers/packages';

const removeOwner = (token: string, name: string, username: string) =>
  read(api(token).packages[':name'].owners[':username'].$delete({ param: { name, username } }));
const owners = async (name: string) =>
  (await read(api().packages[':name'].owners.$get({ param: { name } }))).body.owners;
const yank = (token: string, name: string, version: string) =>
  read(api(token).packages[':name'][':version'].$delete({ param: { name, version } }));
const audit = (token: string | undefined, name: string, query: { limit?: string; offset?: string } = {}) =>
  read(api(token).packages[':name'].audit.$get({ param: { name }, query }));
const packageInfo = (name: string) => read(api().packages[':name'].$get({ param: { name } }));

async function sessionTokenId(user: TestUser): Promise<string> {
  const me = await read(api(user.token).users.me.$get());
  return me.body.tokens.find((t) => t.kind === 'session')?.token_id ?? '';
}

describe('owners', () => {
  it('lists the publisher as owner, adds a maintainer who can publish and yank but not change owners', async () => {
    const owner = await createUser('own');
    const maint = await createUser('maint');
    const name = packageName('owned');
    await publishPackage(owner.token, name, '1.0.0');
    expect(await owners(name)).toEqual([
      { username: owner.username, user_id: owner.userId, role: 'owner', added_at: anIso() },
    ]);

    const added = await addOwner(owner, name, maint, 'maintainer');
    expect(added).toEqual({ package: name, role: 'maintainer', added_at: anIso() });
    expect((await owners(name)).map((o) => [o.username, o.role])).toEqual([
      [owner.username, 'owner'],
      [maint.username, 'maintainer'],
    ]);

    await publishPackage(maint.token, name, '1.1.0');
    expect((await yank(maint.token, name, '1.1.0')).status).toBe(200);
    const stranger = await createUser('str');
    expect((await put(maint.token, name, stranger.username, 'maintainer')).status).toBe(403);
    expect((await removeOwner(maint.token, name, owner.username)).status).toBe(403);
    expect((await owners(name)).length).toBe(2);

    // The package page's owner stays the first owner.
    expect((await packageInfo(name)).body.owner).toEqual({
      username: owner.username,
      user_id: owner.userId,
    });
  });

  it('never removes or demotes the last owner, and hands the package over once another owner exists', async () => {
    const first = await createUser('first');
    const second = await createUser('second');
    const name = packageName('handover');
    await publishPackage(first.token, name, '1.0.0');

    const alone = await removeOwner(first.token, name, first.username);
    expect(alone.status).toBe(403);
    expect(alone.body.error).toBe('permission_denied');
    expect((await put(first.token, name, first.username, 'maintainer')).status).toBe(403);
    expect((await owners(name)).length).toBe(1);

    await addOwner(first, name, second, 'owner');
    const removed = await removeOwner(first.token, name, first.username);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ username: first.username, removed: true });
    expect((await owners(name)).map((o) => o.username)).toEqual([second.username]);
    expect((await packageInfo(name)).body.owner?.username).toBe(second.username);

    // The former owner is now a stranger.
    const res = await publishRaw(first.token, metadataFor(name, '2.0.0'), await makeTarball(name, '2.0.0'));
    expect(res.status).toBe(403);
  });

  it('changes a role in place', async () => {
    const owner = await createUser('role');
    const other = await createUser('role');
    const name = packageName('role');
    await publishPackage(owner.token, name);
    await addOwner(owner, name, other, 'maintainer');
    const promoted = await put(owner.token, name, other.username, 'owner');
    expect(promoted.status).toBe(200);
    expect(promoted.body).toEqual({ username: other.username, role: 'owner', added_at: anIso() });
    expect((await owners(name)).map((o) => o.role)).toEqual(['owner', 'owner']);
  });

  // Who may call it at all (no token, scopes, strangers): test/integration/auth-matrix.test.ts.
  it('answers 404 for an unknown user or package and 400 for a bad role', async () => {
    const owner = await createUser('errs');
    const name = packageName('errs');
    await publishPackage(owner.token, name);
    expect((await put(owner.token, name, 'no-such-user-xyz', 'owner')).status).toBe(404);
    expect((await put(owner.token, `${name}-nope`, owner.username, 'owner')).status).toBe(404);
    expect((await read(api().packages[':name'].owners.$get({ param: { name: `${name}-nope` } }))).status).toBe(404);
    expect((await removeOwner(owner.token, name, 'no-such-user-xyz')).status).toBe(404);
    const stranger = await createUser('errs');
    expect((await removeOwner(owner.token, name, stranger.username)).status).toBe(404);
    const bad = await put(owner.token, name, stranger.username, 'admin');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.details.fields)).toContain('role');
    expect((await owners(name)).length).toBe(1);
  });
});

describe('audit trail', () => {
  it('records publish, yank, unyank and owner changes with actor, token and time, newest first, for owners only', async () => {
    const owner = await createUser('audit');
    const maint = await createUser('audit');
    const name = packageName('audit');
    await publishPackage(owner.token, name, '1.0.0');
    await addOwner(owner, name, maint, 'maintainer');
    const ci = await read(api(maint.token).users.me.tokens.$post({ json: { name: 'ci' } }));
    await publishPackage(ci.body.token, name, '1.1.0');
    await yank(ci.body.token, name, '1.1.0');
    await read(api(owner.token).packages[':name'][':version'].unyank.$put({ param: { name, version: '1.1.0' } }));
    await removeOwner(owner.token, name, maint.username);
    // Refusals leave no trace.
    await publishRaw(maint.token, metadataFor(name, '3.0.0'), await makeTarball(name, '3.0.0'));
    await publishRaw(owner.token, metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'));

    const { status, body } = await audit(owner.token, name);
    expect(status).toBe(200);
    expect(body.name).toBe(name);
    const ownerToken = await sessionTokenId(owner);
    const rows = body.entries.map((e) => [e.action, e.version, e.actor.username, e.token_id]);
    expect(rows).toEqual([
      ['owner.remove', '', owner.username, ownerToken],
      ['unyank', '1.1.0', owner.username, ownerToken],
      ['yank', '1.1.0', maint.username, ci.body.token_id],
      ['publish', '1.1.0', maint.username, ci.body.token_id],
      ['invitation.accept', '', maint.username, await sessionTokenId(maint)],
      ['invitation.create', '', owner.username, ownerToken],
      ['publish', '1.0.0', owner.username, ownerToken],
    ]);
    for (const e of body.entries) {
      expect(e.created_at).toMatch(ISO);
      expect(e.actor.user_id).toMatch(UUID);
    }
    expect(body.entries[0]?.details).toMatchObject({ username: maint.username, role: 'maintainer' });
    expect(body.entries[6]?.details).toMatchObject({ new_package: true, checksum: expect.stringMatching(/^sha256:/) });

    const page = await audit(owner.token, name, { limit: '2', offset: '1' });
    expect(page.body.entries.map((e) => e.action)).toEqual(['unyank', 'yank']);

    expect((await audit(undefined, name)).status).toBe(401);
    expect((await audit(maint.token, name)).status).toBe(403);
    expect((await audit(owner.token, `${name}-nope`)).status).toBe(404);
  });

  it('is readable by owners only, not maintainers', async () => {
    const owner = await createUser('aud');
    const maint = await createUser('aud');
    const name = packageName('aud');
    await publishPackage(owner.token, name);
    await addOwner(owner, name, maint, 'maintainer');
    const res = await audit(maint.token, name);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('permission_denied');
  });
});
