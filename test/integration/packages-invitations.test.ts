// Invitations: nobody becomes an owner or maintainer without accepting, only
// the invitee answers, expired and cancelled invitations are dead, every step
// is audited, and accept is atomic against a concurrent cancel.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { api, read } from '../helpers/api';
import { callJson } from '../helpers/client';
import { errorBody, ISO, UUID } from '../helpers/contract';
import { withDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { acceptInvitation, addOwner, invite } from '../helpers/owners';
import { makeTarball, metadataFor, packageName, publishPackage, publishRaw } from '../helpers/packages';
import { receiverEndpoint } from '../helpers/webhooks';

const DAY_MS = 24 * 60 * 60 * 1000;

const owners = async (name: string) =>
  (await read(api().packages[':name'].owners.$get({ param: { name } }))).body.owners.map((o) => [o.username, o.role]);
const packageInvitations = (token: string | undefined, name: string) =>
  read(api(token).packages[':name'].invitations.$get({ param: { name } }));
const myInvitations = async (user: TestUser) =>
  (await read(api(user.token).users.me.invitations.$get())).body.invitations;
const decline = (token: string, invitation_id: string) =>
  read(api(token).users.me.invitations[':invitation_id'].decline.$post({ param: { invitation_id } }));
const cancel = (token: string, name: string, invitation_id: string) =>
  read(api(token).packages[':name'].invitations[':invitation_id'].$delete({ param: { name, invitation_id } }));
const auditActions = async (owner: TestUser, name: string) =>
  (
    await read(api(owner.token).packages[':name'].audit.$get({ param: { name }, query: { limit: '200' } }))
  ).body.entries.map((e) => [e.action, e.actor.username]);
const packageInfo = (name: string) => read(api().packages[':name'].$get({ param: { name } }));
const versionInfo = (name: string, version: string) =>
  read(api().packages[':name'][':version'].$get({ param: { name, version } }));
const profile = (username: string) => read(api().users[':username'].$get({ param: { username } }));

async function ownedPackage(prefix: string) {
  const owner = await createUser(prefix);
  const name = packageName(prefix);
  await publishPackage(owner.token, name, '1.0.0');
  return { owner, name };
}

async function invitationStatus(id: string) {
  const result = await withDb((db) =>
    db.execute<{ status: string }>(sql`select status from package_invitations where id = ${id}`),
  );
  return result.rows[0]?.status;
}

describe('inviting', () => {
  it('answers 202 pending; the invitee is neither listed nor able to act until they accept', async () => {
    const { owner, name } = await ownedPackage('inv');
    const invitee = await createUser('invitee');
    const before = Date.now();
    const invited = await invite(owner.token, name, invitee.username, 'owner');
    expect(invited.status).toBe(202);
    expect(invited.body).toEqual({
      username: invitee.username,
      role: 'owner',
      invitation_id: expect.stringMatching(UUID),
      status: 'pending',
      expires_at: expect.stringMatching(ISO),
    });
    const expiresIn = Date.parse(invited.body.expires_at) - before;
    expect(expiresIn).toBeGreaterThan(30 * DAY_MS - 60_000);
    expect(expiresIn).toBeLessThan(30 * DAY_MS + 60_000);

    // Not a member: not listed, not the package's owner, and refused everywhere.
    expect(await owners(name)).toEqual([[owner.username, 'owner']]);
    expect((await packageInfo(name)).body.owner?.username).toBe(owner.username);
    const publish = await publishRaw(invitee.token, metadataFor(name, '2.0.0'), await makeTarball(name, '2.0.0'));
    expect(publish.status).toBe(403);
    const yank = await read(
      api(invitee.token).packages[':name'][':version'].$delete({ param: { name, version: '1.0.0' } }),
    );
    expect(yank.status).toBe(403);
    const stranger = await createUser('inv');
    expect((await invite(invitee.token, name, stranger.username, 'maintainer')).status).toBe(403);
    const hook = await read(
      api(invitee.token).packages[':name'].webhooks.$post({
        param: { name },
        json: { url: receiverEndpoint('inv').url, events: ['package.published'] },
      }),
    );
    expect(hook.status).toBe(403);
    const deprecate = await read(
      api(invitee.token).packages[':name'].deprecate.$put({ param: { name }, json: { message: 'taken over' } }),
    );
    expect(deprecate.status).toBe(403);
    expect((await packageInvitations(invitee.token, name)).status).toBe(403);
    expect((await profile(invitee.username)).body.packages).toEqual([]);

    // Both sides see the pending invitation.
    const listed = await packageInvitations(owner.token, name);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      invitations: [
        {
          invitation_id: invited.body.invitation_id,
          username: invitee.username,
          role: 'owner',
          invited_by: owner.username,
          created_at: expect.stringMatching(ISO),
          expires_at: invited.body.expires_at,
        },
      ],
    });
    expect(await myInvitations(invitee)).toEqual([
      {
        invitation_id: invited.body.invitation_id,
        package: name,
        role: 'owner',
        invited_by: owner.username,
        created_at: listed.body.invitations[0]?.created_at,
        expires_at: invited.body.expires_at,
      },
    ]);
    expect(await myInvitations(stranger)).toEqual([]);

    const accepted = await acceptInvitation(invitee.token, invited.body.invitation_id);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ package: name, role: 'owner', added_at: expect.stringMatching(ISO) });
    expect(await owners(name)).toEqual([
      [owner.username, 'owner'],
      [invitee.username, 'owner'],
    ]);
    await publishPackage(invitee.token, name, '2.0.0');
    expect((await profile(invitee.username)).body.packages).toMatchObject([{ name, role: 'owner' }]);
    expect((await packageInvitations(owner.token, name)).body.invitations).toEqual([]);
    expect(await myInvitations(invitee)).toEqual([]);
    // Accepting twice is refused: the invitation is spent.
    expect((await acceptInvitation(invitee.token, invited.body.invitation_id)).status).toBe(404);

    const trail = await auditActions(owner, name);
    expect(trail).toContainEqual(['invitation.create', owner.username]);
    expect(trail).toContainEqual(['invitation.accept', invitee.username]);
  });

  it("changes a member's role at once (200), with no invitation", async () => {
    const { owner, name } = await ownedPackage('rolechg');
    const member = await createUser('rolechg');
    await addOwner(owner, name, member, 'maintainer');
    const changed = await invite(owner.token, name, member.username, 'owner');
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ username: member.username, role: 'owner', added_at: expect.stringMatching(ISO) });
    expect(await owners(name)).toContainEqual([member.username, 'owner']);
    expect((await packageInvitations(owner.token, name)).body.invitations).toEqual([]);
  });

  it('re-inviting replaces the pending invitation: a new id and role, the old id dead', async () => {
    const { owner, name } = await ownedPackage('reinv');
    const invitee = await createUser('reinv');
    const first = await invite(owner.token, name, invitee.username, 'maintainer');
    const second = await invite(owner.token, name, invitee.username, 'owner');
    expect(second.status).toBe(202);
    expect(second.body.invitation_id).not.toBe(first.body.invitation_id);
    expect((await myInvitations(invitee)).map((i: { role: string }) => i.role)).toEqual(['owner']);
    expect((await acceptInvitation(invitee.token, first.body.invitation_id)).status).toBe(404);
    expect(await owners(name)).toEqual([[owner.username, 'owner']]);
    expect((await acceptInvitation(invitee.token, second.body.invitation_id)).body.role).toBe('owner');
  });

  it('concurrent invites of one user leave exactly one pending invitation', async () => {
    const { owner, name } = await ownedPackage('parinv');
    const invitee = await createUser('parinv');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => invite(owner.token, name, invitee.username, i % 2 ? 'owner' : 'maintainer')),
    );
    for (const r of results) expect([202, 409], JSON.stringify(r.body)).toContain(r.status);
    const pending = await withDb((db) =>
      db.execute<{ n: number }>(sql`
        select count(*)::int as n from package_invitations i join packages p on p.id = i.package_id
        where p.name = ${name} and i.status = 'pending'`),
    );
    expect(pending.rows[0]?.n).toBe(1);
    expect(await myInvitations(invitee)).toHaveLength(1);
  });

  it('only owners invite or list invitations; 404 for an unknown user or package, 401 without a token', async () => {
    const { owner, name } = await ownedPackage('invperm');
    const maint = await createUser('invperm');
    await addOwner(owner, name, maint, 'maintainer');
    const stranger = await createUser('invperm');
    expect((await invite(maint.token, name, stranger.username, 'maintainer')).status).toBe(403);
    expect((await invite(owner.token, name, 'no-such-user-xyz', 'maintainer')).status).toBe(404);
    expect((await packageInvitations(maint.token, name)).status).toBe(403);
    expect((await packageInvitations(stranger.token, name)).status).toBe(403);
    expect((await packageInvitations(owner.token, `${name}-nope`)).status).toBe(404);
    expect((await packageInvitations(undefined, name)).status).toBe(401);
    expect((await read(api().users.me.invitations.$get())).status).toBe(401);
    expect(await myInvitations(stranger)).toEqual([]);
  });
});

describe('answering', () => {
  it('declining: 200, no membership, audited, and the invitation cannot be accepted afterwards', async () => {
    const { owner, name } = await ownedPackage('decl');
    const invitee = await createUser('decl');
    const { body } = await invite(owner.token, name, invitee.username, 'maintainer');
    const declined = await decline(invitee.token, body.invitation_id);
    expect(declined.status).toBe(200);
    expect(declined.body).toEqual({ invitation_id: body.invitation_id, declined: true });
    expect((await acceptInvitation(invitee.token, body.invitation_id)).status).toBe(404);
    expect((await decline(invitee.token, body.invitation_id)).status).toBe(404);
    expect(await owners(name)).toEqual([[owner.username, 'owner']]);
    expect(await myInvitations(invitee)).toEqual([]);
    expect(await auditActions(owner, name)).toContainEqual(['invitation.decline', invitee.username]);
  });

  it("someone else's invitation cannot be accepted or declined (404), and stays pending", async () => {
    const { owner, name } = await ownedPackage('other');
    const invitee = await createUser('other');
    const thief = await createUser('other');
    const { body } = await invite(owner.token, name, invitee.username, 'owner');
    const stolen = await acceptInvitation(thief.token, body.invitation_id);
    expect(stolen.status).toBe(404);
    expect(stolen.body.error).toBe('not_found');
    expect((await decline(thief.token, body.invitation_id)).status).toBe(404);
    // The inviting owner is not the invitee either.
    expect((await acceptInvitation(owner.token, body.invitation_id)).status).toBe(404);
    expect(await owners(name)).toEqual([[owner.username, 'owner']]);
    expect(await invitationStatus(body.invitation_id)).toBe('pending');
  });

  // Without a token: test/integration/auth-matrix.test.ts.
  it('unknown and malformed invitation ids are 404', async () => {
    const user = await createUser('unk');
    for (const id of [crypto.randomUUID(), 'not-a-uuid', "x' or '1'='1"]) {
      const enc = encodeURIComponent(id);
      const accepted = await acceptInvitation(user.token, enc);
      expect(accepted.status, id).toBe(404);
      expect(accepted.body).toEqual(errorBody('not_found'));
      expect((await decline(user.token, enc)).status, id).toBe(404);
    }
  });

  it('an expired invitation is not listed and cannot be accepted or declined; a new invite works', async () => {
    const { owner, name } = await ownedPackage('exp');
    const invitee = await createUser('exp');
    const { body } = await invite(owner.token, name, invitee.username, 'owner');
    await withDb((db) =>
      db.execute(
        sql`update package_invitations set expires_at = now() - interval '1 second' where id = ${body.invitation_id}`,
      ),
    );
    expect(await myInvitations(invitee)).toEqual([]);
    expect((await packageInvitations(owner.token, name)).body.invitations).toEqual([]);
    expect((await acceptInvitation(invitee.token, body.invitation_id)).status).toBe(404);
    expect((await decline(invitee.token, body.invitation_id)).status).toBe(404);
    expect((await cancel(owner.token, name, body.invitation_id)).status).toBe(404);
    expect(await owners(name)).toEqual([[owner.username, 'owner']]);

    const again = await invite(owner.token, name, invitee.username, 'maintainer');
    expect(again.status).toBe(202);
    expect(await invitationStatus(body.invitation_id)).toBe('replaced');
    expect((await acceptInvitation(invitee.token, again.body.invitation_id)).status).toBe(200);
    expect(await owners(name)).toContainEqual([invitee.username, 'maintainer']);
  });

  it('a token without the owners scope cannot accept; the invitation stays pending', async () => {
    const { owner, name } = await ownedPackage('scope');
    const invitee = await createUser('scope');
    const { body } = await invite(owner.token, name, invitee.username, 'owner');
    const ci = await read(api(invitee.token).users.me.tokens.$post({ json: { name: 'ci', scopes: ['publish'] } }));
    expect((await acceptInvitation(ci.body.token, body.invitation_id)).status).toBe(403);
    expect(await invitationStatus(body.invitation_id)).toBe('pending');
    expect(await owners(name)).toEqual([[owner.username, 'owner']]);
  });
});

describe('cancelling', () => {
  it('owners cancel (200, audited); the invitee can no longer accept; others get 403, unknown ids 404', async () => {
    const { owner, name } = await ownedPackage('canc');
    const maint = await createUser('canc');
    await addOwner(owner, name, maint, 'maintainer');
    const invitee = await createUser('canc');
    const { body } = await invite(owner.token, name, invitee.username, 'owner');

    expect((await cancel(maint.token, name, body.invitation_id)).status).toBe(403);
    expect((await cancel(invitee.token, name, body.invitation_id)).status).toBe(403);
    expect((await cancel(owner.token, name, crypto.randomUUID())).status).toBe(404);
    expect((await cancel(owner.token, name, 'not-a-uuid')).status).toBe(404);
    // An invitation of another package is not this package's to cancel.
    const other = await ownedPackage('canc');
    expect((await cancel(other.owner.token, other.name, body.invitation_id)).status).toBe(404);
    expect(await invitationStatus(body.invitation_id)).toBe('pending');

    const cancelled = await cancel(owner.token, name, body.invitation_id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ invitation_id: body.invitation_id, cancelled: true });
    expect((await cancel(owner.token, name, body.invitation_id)).status).toBe(404);
    expect((await acceptInvitation(invitee.token, body.invitation_id)).status).toBe(404);
    expect(await myInvitations(invitee)).toEqual([]);
    expect(await owners(name)).toEqual([
      [owner.username, 'owner'],
      [maint.username, 'maintainer'],
    ]);
    expect(await auditActions(owner, name)).toContainEqual(['invitation.cancel', owner.username]);
  });

  it('accept racing cancel: exactly one wins, and membership matches the outcome', async () => {
    const round = async () => {
      const { owner, name } = await ownedPackage('race');
      const invitee = await createUser('race');
      const { body } = await invite(owner.token, name, invitee.username, 'owner');
      const [accepted, cancelled] = await Promise.all([
        acceptInvitation(invitee.token, body.invitation_id),
        cancel(owner.token, name, body.invitation_id),
      ]);
      const statuses = [accepted.status, cancelled.status].sort();
      expect(statuses, JSON.stringify([accepted.body, cancelled.body])).toEqual([200, 404]);
      const member = (await owners(name)).some(([u]) => u === invitee.username);
      expect(member).toBe(accepted.status === 200);
      expect(await invitationStatus(body.invitation_id)).toBe(accepted.status === 200 ? 'accepted' : 'cancelled');
    };
    await Promise.all(Array.from({ length: 6 }, round));
  });

  it('removing or demoting an owner withdraws the invitations they sent, so they cannot come back through them', async () => {
    const { owner, name } = await ownedPackage('inviter');
    const rogue = await createUser('inviter');
    await addOwner(owner, name, rogue, 'owner');
    const accomplice = await createUser('inviter');
    const { body } = await invite(rogue.token, name, accomplice.username, 'owner');
    expect(
      (
        await read(
          api(owner.token).packages[':name'].owners[':username'].$delete({ param: { name, username: rogue.username } }),
        )
      ).status,
    ).toBe(200);
    expect((await acceptInvitation(accomplice.token, body.invitation_id)).status).toBe(404);
    expect(await invitationStatus(body.invitation_id)).toBe('cancelled');
    expect(await owners(name)).toEqual([[owner.username, 'owner']]);

    // Demotion to maintainer withdraws them too: only owners' invitations stand.
    const demoted = await createUser('inviter');
    await addOwner(owner, name, demoted, 'owner');
    const second = await invite(demoted.token, name, accomplice.username, 'owner');
    expect((await invite(owner.token, name, demoted.username, 'maintainer')).status).toBe(200);
    expect((await acceptInvitation(accomplice.token, second.body.invitation_id)).status).toBe(404);
    expect(await invitationStatus(second.body.invitation_id)).toBe('cancelled');
  });
});

describe('the package owner field', () => {
  it('stays the earliest accepted owner when later owners join, whatever their names', async () => {
    const first = await createUser('zz');
    const name = packageName('ownerfield');
    await publishPackage(first.token, name, '1.0.0');
    // Sorts before `first` by name: a tie-break by name alone would pick it.
    const later = await createUser('aa');
    const invited = await createUser('aa');
    await addOwner(first, name, later, 'owner');
    await invite(first.token, name, invited.username, 'owner');
    const expected = { username: first.username, user_id: first.userId };
    expect((await packageInfo(name)).body.owner).toEqual(expected);
    // Still so once the later owner publishes.
    await publishPackage(later.token, name, '1.1.0');
    expect((await packageInfo(name)).body.owner).toEqual(expected);
  });
});

describe('published_by', () => {
  it('names the publishing user in the publish reply and the version reply', async () => {
    const { owner, name } = await ownedPackage('pubby');
    const maint = await createUser('pubby');
    await addOwner(owner, name, maint, 'maintainer');
    const published = await publishPackage(maint.token, name, '1.1.0');
    expect(published.body.published_by).toBe(maint.username);
    expect((await versionInfo(name, '1.0.0')).body.published_by).toBe(owner.username);
    expect((await versionInfo(name, '1.1.0')).body.published_by).toBe(maint.username);
  });

  it('is "" (never null) once the publisher is unknown', async () => {
    const { name } = await ownedPackage('pubgone');
    await withDb((db) =>
      db.execute(sql`
        update versions set published_by = null
        where package_id = (select id from packages where name = ${name})`),
    );
    expect((await versionInfo(name, '1.0.0')).body.published_by).toBe('');
  });
});

describe('OpenAPI', () => {
  it('documents the invitation routes', async () => {
    const paths = Object.keys((await callJson('/openapi.json')).body.paths);
    for (const path of [
      '/api/v1/packages/{name}/invitations',
      '/api/v1/packages/{name}/invitations/{invitation_id}',
      '/api/v1/users/me/invitations',
      '/api/v1/users/me/invitations/{invitation_id}/accept',
      '/api/v1/users/me/invitations/{invitation_id}/decline',
    ]) {
      expect(paths).toContain(path);
    }
  });
});
