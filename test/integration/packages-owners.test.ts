// Owners and maintainers, and the owners-only audit trail.
import { describe, expect, it } from 'vitest';
import { callJson } from '../helpers/client';
import { createUser, type TestUser } from '../helpers/factories';
import { addOwner, invite as put } from '../helpers/owners';
import { makeTarball, metadataFor, packageName, publishPackage, publishRaw } from '../helpers/packages';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const removeOwner = (token: string, name: string, username: string) =>
  callJson(`/packages/${name}/owners/${username}`, { method: 'DELETE', token });
const owners = async (name: string) => (await callJson(`/packages/${name}/owners`)).body.owners;

async function sessionTokenId(user: TestUser): Promise<string> {
  const me = await callJson('/users/me', { token: user.token });
  return me.body.tokens.find((t: { kind: string }) => t.kind === 'session').token_id;
}

describe('owners', () => {
  it('lists the publisher as owner, adds a maintainer who can publish and yank but not change owners', async () => {
    const owner = await createUser('own');
    const maint = await createUser('maint');
    const name = packageName('owned');
    await publishPackage(owner.token, name, '1.0.0');
    expect(await owners(name)).toEqual([
      { username: owner.username, user_id: owner.userId, role: 'owner', added_at: expect.stringMatching(ISO) },
    ]);

    const added = await addOwner(owner, name, maint, 'maintainer');
    expect(added).toEqual({ package: name, role: 'maintainer', added_at: expect.stringMatching(ISO) });
    expect((await owners(name)).map((o: any) => [o.username, o.role])).toEqual([
      [owner.username, 'owner'],
      [maint.username, 'maintainer'],
    ]);

    await publishPackage(maint.token, name, '1.1.0');
    expect((await callJson(`/packages/${name}/1.1.0`, { method: 'DELETE', token: maint.token })).status).toBe(200);
    const stranger = await createUser('str');
    expect((await put(maint.token, name, stranger.username, 'maintainer')).status).toBe(403);
    expect((await removeOwner(maint.token, name, owner.username)).status).toBe(403);
    expect((await owners(name)).length).toBe(2);

    // The package page's owner stays the first owner.
    expect((await callJson(`/packages/${name}`)).body.owner).toEqual({
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
    expect((await owners(name)).map((o: any) => o.username)).toEqual([second.username]);
    expect((await callJson(`/packages/${name}`)).body.owner.username).toBe(second.username);

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
    expect(promoted.body).toEqual({ username: other.username, role: 'owner', added_at: expect.stringMatching(ISO) });
    expect((await owners(name)).map((o: any) => o.role)).toEqual(['owner', 'owner']);
  });

  it('answers 404 for an unknown user or package, 400 for a bad role, 401 without a token, 403 for strangers and the wrong scope', async () => {
    const owner = await createUser('errs');
    const name = packageName('errs');
    await publishPackage(owner.token, name);
    expect((await put(owner.token, name, 'no-such-user-xyz', 'owner')).status).toBe(404);
    expect((await put(owner.token, `${name}-nope`, owner.username, 'owner')).status).toBe(404);
    expect((await callJson(`/packages/${name}-nope/owners`)).status).toBe(404);
    expect((await removeOwner(owner.token, name, 'no-such-user-xyz')).status).toBe(404);
    const stranger = await createUser('errs');
    expect((await removeOwner(owner.token, name, stranger.username)).status).toBe(404);
    const bad = await put(owner.token, name, stranger.username, 'admin');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.details.fields)).toContain('role');
    expect(
      (await callJson(`/packages/${name}/owners`, { method: 'PUT', json: { username: 'x', role: 'owner' } })).status,
    ).toBe(401);
    expect((await put(stranger.token, name, stranger.username, 'owner')).status).toBe(403);

    const noOwnersScope = await callJson('/users/me/tokens', {
      token: owner.token,
      json: { name: 'publish-only', scopes: ['publish', 'yank'] },
    });
    expect((await put(noOwnersScope.body.token, name, stranger.username, 'maintainer')).status).toBe(403);
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
    const ci = await callJson('/users/me/tokens', { token: maint.token, json: { name: 'ci' } });
    await publishPackage(ci.body.token, name, '1.1.0');
    await callJson(`/packages/${name}/1.1.0`, { method: 'DELETE', token: ci.body.token });
    await callJson(`/packages/${name}/1.1.0/unyank`, { method: 'PUT', token: owner.token });
    await removeOwner(owner.token, name, maint.username);
    // Refusals leave no trace.
    await publishRaw(maint.token, metadataFor(name, '3.0.0'), await makeTarball(name, '3.0.0'));
    await publishRaw(owner.token, metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'));

    const { status, body } = await callJson(`/packages/${name}/audit`, { token: owner.token });
    expect(status).toBe(200);
    expect(body.name).toBe(name);
    const ownerToken = await sessionTokenId(owner);
    const rows = body.entries.map((e: any) => [e.action, e.version, e.actor.username, e.token_id]);
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
      expect(e.actor.user_id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(body.entries[0].details).toMatchObject({ username: maint.username, role: 'maintainer' });
    expect(body.entries[6].details).toMatchObject({ new_package: true, checksum: expect.stringMatching(/^sha256:/) });

    const page = await callJson(`/packages/${name}/audit?limit=2&offset=1`, { token: owner.token });
    expect(page.body.entries.map((e: any) => e.action)).toEqual(['unyank', 'yank']);

    expect((await callJson(`/packages/${name}/audit`)).status).toBe(401);
    expect((await callJson(`/packages/${name}/audit`, { token: maint.token })).status).toBe(403);
    expect((await callJson(`/packages/${name}-nope/audit`, { token: owner.token })).status).toBe(404);
  });

  it('is readable by owners only, not maintainers', async () => {
    const owner = await createUser('aud');
    const maint = await createUser('aud');
    const name = packageName('aud');
    await publishPackage(owner.token, name);
    await addOwner(owner, name, maint, 'maintainer');
    const res = await callJson(`/packages/${name}/audit`, { token: maint.token });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('permission_denied');
  });
});
