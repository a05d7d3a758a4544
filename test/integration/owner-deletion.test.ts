// Deletion by owners: who may, the policy's conditions once a version is past
// 72 hours, and what a deletion leaves behind (nothing readable, a tombstone
// per version number, the blob gone from R2).
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { TokenScope } from '../../src/lib/token-rules';
import { sweepWebhookOutbox } from '../../src/queue/sweeper';
import { adminCall, createOperator } from '../helpers/admin';
import { api, expectReply } from '../helpers/api';
import { BASE, call, callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { addOwner } from '../helpers/owners';
import { makeTarball, metadataFor, packageName, publishPackage, publishRaw } from '../helpers/packages';
import { createWebhook, waitFor, waitForRequests } from '../helpers/webhooks';

const del = (token: string | undefined, name: string, version?: string) =>
  callJson(`/packages/${name}/delete`, { method: 'POST', token, json: version === undefined ? {} : { version } });

const keyOf = (checksum: string) => `tarballs/sha256/${checksum.slice('sha256:'.length)}.tar.gz`;

/** Makes every version of `name` look `hours` old. */
const age = (name: string, hours: number) =>
  withDb((db) =>
    db.execute(sql`
      update versions set published_at = now() - ${hours}::int * interval '1 hour'
      where package_id = (select id from packages where name = ${name})`),
  );

async function ownedPackage(prefix: string, versions = ['1.0.0', '1.1.0']) {
  const owner = await createUser(prefix);
  const name = packageName(prefix);
  const checksums: Record<string, string> = {};
  for (const v of versions) checksums[v] = (await publishPackage(owner.token, name, v)).body.checksum;
  return { owner, name, checksums };
}

async function sessionlessToken(owner: TestUser, scopes?: TokenScope[]) {
  const { body } = await expectReply(
    api(owner.token).users.me.tokens.$post({ json: { name: 'ci', ...(scopes ? { scopes } : {}) } }),
    201,
  );
  return body.token;
}

describe('deleting a version', () => {
  it('removes it everywhere, deletes its blob, and never lets its number be published again', async () => {
    const { owner, name, checksums } = await ownedPackage('dv');
    // Warm this data centre's cached copy of the download, which must go too.
    expect((await call(`/packages/${name}/1.1.0/download`)).status).toBe(200);
    expect((await call(`/packages/${name}/1.1.0/download`)).status).toBe(200);

    const res = await del(owner.token, name, '1.1.0');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ name, version: '1.1.0', deleted: true });

    expect((await call(`/packages/${name}/1.1.0/download`)).status).toBe(404);
    expect((await callJson(`/packages/${name}/1.1.0`)).status).toBe(404);
    const info = await callJson(`/packages/${name}`);
    expect(info.body).toMatchObject({ versions: ['1.0.0'], yanked_versions: [], latest_version: '1.0.0' });
    const index = await (await call(`/index/${name}`)).text();
    expect(
      index
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).vers),
    ).toEqual(['1.0.0']);
    expect(await env.TARBALLS.head(keyOf(checksums['1.1.0']!))).toBeNull();
    expect(await env.TARBALLS.head(keyOf(checksums['1.0.0']!))).not.toBeNull();
    expect((await call(`/packages/${name}/1.0.0/download`)).status).toBe(200);

    const again = await publishRaw(owner.token, metadataFor(name, '1.1.0'), await makeTarball(name, '1.1.0'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'conflict', details: { name, version: '1.1.0', deleted: true } });
    expect(again.body.message).toContain('can never be published again');
    // Build metadata does not make it a different version.
    const plus = await publishRaw(owner.token, metadataFor(name, '1.1.0+b'), await makeTarball(name, '1.1.0+b'));
    expect(plus.status).toBe(409);
    await publishPackage(owner.token, name, '1.1.1');

    const audit = await callJson(`/packages/${name}/audit`, { token: owner.token });
    expect(audit.body.entries[1]).toMatchObject({ action: 'version.delete', version: '1.1.0' });
  });

  it("takes the version's downloads out of the package's total", async () => {
    const { owner, name } = await ownedPackage('dcount');
    await withDb((db) =>
      db.execute(sql`
        with p as (update packages set downloads = 8 where name = ${name} returning id)
        update versions v set downloads = case v.version when '1.1.0' then 5 else 3 end
        from p where v.package_id = p.id`),
    );
    expect((await del(owner.token, name, '1.1.0')).status).toBe(200);
    expect((await callJson(`/packages/${name}`)).body.downloads_total).toBe(3);
  });

  it('keeps a blob another version still references', async () => {
    const { owner, name, checksums } = await ownedPackage('dshare');
    const shared = keyOf(checksums['1.0.0']!);
    await withDb((db) =>
      db.execute(sql`update versions set r2_key = ${shared} where version = '1.1.0'
      and package_id = (select id from packages where name = ${name})`),
    );
    expect((await del(owner.token, name, '1.1.0')).status).toBe(200);
    expect(await env.TARBALLS.head(shared)).not.toBeNull();
    expect(await env.TARBALLS.head(keyOf(checksums['1.1.0']!))).not.toBeNull();
  });

  it('refuses the only version (delete the package), unknown versions and packages, and a misspelt body', async () => {
    const { owner, name } = await ownedPackage('donly', ['1.0.0']);
    const only = await del(owner.token, name, '1.0.0');
    expect(only.status).toBe(409);
    expect(only.body.message).toContain('delete the whole package');
    expect((await del(owner.token, name, '9.9.9')).status).toBe(404);
    expect((await del(owner.token, `${name}-nope`)).status).toBe(404);
    const typo = await callJson(`/packages/${name}/delete`, { token: owner.token, json: { versoin: '1.0.0' } });
    expect(typo.status).toBe(400);
    expect((await callJson(`/packages/${name}`)).status).toBe(200);
  });
});

describe('who may delete', () => {
  it('a suspended owner cannot delete: their tokens stopped working', async () => {
    const { owner, name } = await ownedPackage('dsus');
    const { operator, operators } = await createOperator();
    const suspended = await adminCall(`/admin/users/${owner.username}/suspend`, {
      method: 'POST',
      token: operator.token,
      operators,
      json: { reason: 'Spam.' },
    });
    expect(suspended.status).toBe(200);
    expect((await del(owner.token, name, '1.1.0')).status).toBe(401);
    expect((await callJson(`/packages/${name}`)).body.versions).toEqual(['1.0.0', '1.1.0']);
  });

  it('nothing reported is deleted until an operator closes the report: the blob is the evidence', async () => {
    const { owner, name, checksums } = await ownedPackage('drep', ['1.0.0', '1.1.0', '1.2.0']);
    const { operator, operators } = await createOperator();
    const reporter = await createUser('drep-r');
    const report = async (json: Record<string, unknown>) =>
      (await adminCall(`/packages/${name}/reports`, { method: 'POST', token: reporter.token, json })).body
        .report_id as string;
    const versionReport = await report({ version: '1.1.0', kind: 'malware', text: 'Steals tokens.' });
    for (const version of ['1.1.0', undefined]) {
      const res = await del(owner.token, name, version);
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('open report');
    }
    expect(await env.TARBALLS.head(keyOf(checksums['1.1.0']!))).not.toBeNull();
    // An unreported version of the same package may go.
    expect((await del(owner.token, name, '1.2.0')).status).toBe(200);

    const close = (id: string) =>
      adminCall(`/admin/reports/${id}/close`, {
        method: 'POST',
        token: operator.token,
        operators,
        json: { resolution: 'Not malware.' },
      });
    expect((await close(versionReport)).status).toBe(200);
    const packageReport = await report({ kind: 'spam', text: 'Spam package.' });
    expect((await del(owner.token, name, '1.0.0')).status).toBe(409);
    expect((await close(packageReport)).status).toBe(200);
    expect((await del(owner.token, name, '1.1.0')).status).toBe(200);
    expect((await del(owner.token, name)).status).toBe(200);
  });

  it('nobody deletes what operators took down: its blob is kept for them', async () => {
    const { owner, name, checksums } = await ownedPackage('dtd');
    const { operator, operators } = await createOperator();
    const takedown = (json: Record<string, unknown>) =>
      adminCall(`/admin/packages/${name}/takedown`, { method: 'POST', token: operator.token, operators, json });
    expect((await takedown({ version: '1.1.0', reason: 'Malware.' })).status).toBe(200);
    for (const version of ['1.1.0', undefined]) {
      const res = await del(owner.token, name, version);
      expect(res.status).toBe(403);
      expect(res.body.message).toContain('taken down');
    }
    expect(await env.TARBALLS.head(keyOf(checksums['1.1.0']!))).not.toBeNull();
    expect((await del(owner.token, name, '1.0.0')).status).toBe(200);
  });

  it('owners with a session token only: not maintainers, strangers, anonymous callers or API tokens', async () => {
    const { owner, name } = await ownedPackage('dwho');
    const maintainer = await createUser('dwm');
    await addOwner(owner, name, maintainer, 'maintainer');
    const stranger = await createUser('dws');

    expect((await del(undefined, name, '1.1.0')).status).toBe(401);
    const asStranger = await del(stranger.token, name, '1.1.0');
    expect(asStranger.status).toBe(403);
    const asMaintainer = await del(maintainer.token, name, '1.1.0');
    expect(asMaintainer.status).toBe(403);
    expect(asMaintainer.body.message).toContain('Only owners');
    for (const scopes of [undefined, ['yank'], ['publish', 'yank', 'owners']] as (TokenScope[] | undefined)[]) {
      const refused = await del(await sessionlessToken(owner, scopes), name, '1.1.0');
      expect(refused.status).toBe(403);
      expect(refused.body.message).toContain('session token');
    }
    expect((await callJson(`/packages/${name}`)).body.versions).toEqual(['1.0.0', '1.1.0']);
  });
});

describe('the policy past 72 hours', () => {
  it('allows a single-owner package with few downloads and no dependents', async () => {
    const { owner, name } = await ownedPackage('dold');
    await age(name, 24 * 30);
    expect((await del(owner.token, name, '1.1.0')).status).toBe(200);
    expect((await del(owner.token, name)).status).toBe(200);
  });

  it('names every failed condition: a second owner, 300 downloads this week, a dependent', async () => {
    const { owner, name } = await ownedPackage('dpol');
    const dependent = await createUser('dpd');
    const user = packageName('dpuse');
    await publishPackage(dependent.token, user, '1.0.0', { dependencies: { [name]: '^1.0.0' } });
    await age(name, 73);

    // Under 72 hours old a version may go whatever the facts; the oldest one makes the package old.
    await publishPackage(owner.token, name, '1.2.0');
    const co = await createUser('dpco');
    await addOwner(owner, name, co, 'owner');
    expect((await del(owner.token, name, '1.2.0')).status).toBe(200);

    await withDb((db) =>
      db.execute(sql`
        insert into version_downloads (version_id, day, count)
        select v.id, (now() at time zone 'utc')::date - 6, 300 from versions v
        join packages p on p.id = v.package_id where p.name = ${name} and v.version = '1.0.0'`),
    );
    for (const version of ['1.1.0', undefined]) {
      const res = await del(owner.token, name, version);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        error: 'permission_denied',
        details: { failed: ['single_owner', 'weekly_downloads', 'dependents'], owners: 2, downloads_last_week: 300 },
      });
      expect(res.body.message).toContain('2 owners');
      expect(res.body.message).toContain('300 times in the last 7 days');
      expect(res.body.message).toContain('another package depends on it');
    }

    // Downloads older than a week no longer count, nor does a dependent that yanked the version using it.
    await withDb((db) =>
      db.execute(sql`update version_downloads set day = day - 1 where version_id in
      (select v.id from versions v join packages p on p.id = v.package_id where p.name = ${name})`),
    );
    const fewer = await del(owner.token, name, '1.1.0');
    expect(fewer.body.details.failed).toEqual(['single_owner', 'dependents']);
    await callJson(`/packages/${name}/owners/${co.username}`, { method: 'DELETE', token: owner.token });
    expect((await del(owner.token, name, '1.1.0')).body.details.failed).toEqual(['dependents']);
    await callJson(`/packages/${user}/1.0.0`, { method: 'DELETE', token: dependent.token });
    expect((await del(owner.token, name, '1.1.0')).status).toBe(200);
  });
});

describe('dependents taken down by the operators', () => {
  it('do not count: a taken-down package or version cannot hold a deletion hostage', async () => {
    const { owner, name } = await ownedPackage('dhost');
    const squatter = await createUser('dhsq');
    const wholly = packageName('dhpkg');
    await publishPackage(squatter.token, wholly, '1.0.0', { dependencies: { [name]: '^1.0.0' } });
    const partly = packageName('dhver');
    await publishPackage(squatter.token, partly, '1.0.0');
    await publishPackage(squatter.token, partly, '1.1.0', { dependencies: { [name]: '^1.0.0' } });
    await age(name, 24 * 30);
    expect((await del(owner.token, name, '1.1.0')).body.details.failed).toEqual(['dependents']);

    const { operator, operators } = await createOperator();
    const takedown = (target: string, json: unknown) =>
      adminCall(`/admin/packages/${target}/takedown`, { method: 'POST', token: operator.token, json, operators });
    expect((await takedown(wholly, { reason: 'spam' })).status).toBe(200);
    expect((await takedown(partly, { version: '1.1.0', reason: 'spam' })).status).toBe(200);
    expect((await del(owner.token, name, '1.1.0')).status).toBe(200);
  });
});

describe('deleting a whole package', () => {
  it('leaves nothing behind, holds the name for 7 days, then lets anyone publish new numbers under it', async () => {
    const { owner, name, checksums } = await ownedPackage('dpkg');
    const maintainer = await createUser('dpm');
    await addOwner(owner, name, maintainer, 'maintainer');
    const invitee = await createUser('dpi');
    await callJson(`/packages/${name}/owners`, {
      method: 'PUT',
      token: owner.token,
      json: { username: invitee.username, role: 'owner' },
    });
    const packageId = await withDb(async (db) => {
      const r = await db.execute<{ id: string }>(sql`select id from packages where name = ${name}`);
      const id = r.rows[0]!.id;
      await db.execute(sql`insert into trusted_publishers (package_id, provider, owner_id, repository, config)
        values (${id}, 'github', '1', 'o/r', '{"workflow_filename":"r.yml"}')`);
      await db.execute(sql`insert into version_downloads (version_id, day, count)
        select id, (now() at time zone 'utc')::date, 3 from versions where package_id = ${id}`);
      return id;
    });
    expect((await call(`/packages/${name}/1.0.0/download`)).status).toBe(200);

    const res = await del(owner.token, name);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ name, deleted: true });

    expect((await callJson(`/packages/${name}`)).status).toBe(404);
    expect((await call(`/packages/${name}/1.0.0/download`)).status).toBe(404);
    expect((await call(`/index/${name}`)).status).toBe(404);
    expect((await call(`${BASE}/packages/${name}`)).status).toBe(404);
    const search = await callJson(`/search?q=${name}`);
    expect(search.body.results.map((r: { name: string }) => r.name)).not.toContain(name);
    const profile = await callJson(`/users/${owner.username}`);
    expect(profile.body.packages).toEqual([]);
    for (const v of ['1.0.0', '1.1.0']) expect(await env.TARBALLS.head(keyOf(checksums[v]!))).toBeNull();

    const left = await withDb(async (db) => {
      const r = await db.execute<Record<string, number>>(sql`select
        (select count(*) from versions where package_id = ${packageId})::int as versions,
        (select count(*) from package_owners where package_id = ${packageId})::int as owners,
        (select count(*) from package_invitations where package_id = ${packageId})::int as invitations,
        (select count(*) from trusted_publishers where package_id = ${packageId})::int as publishers,
        (select count(*) from audit_log where package_id = ${packageId})::int as audit,
        (select count(*) from version_downloads d where not exists
          (select 1 from versions v where v.id = d.version_id))::int as orphan_downloads,
        (select count(*) from deleted_versions where package_name = ${name})::int as tombstones,
        (select count(*) from audit_log where action = 'package.delete' and details->>'package' = ${name})::int
          as deletion_audit`);
      return r.rows[0];
    });
    expect(left).toEqual({
      versions: 0,
      owners: 0,
      invitations: 0,
      publishers: 0,
      audit: 0,
      orphan_downloads: 0,
      tombstones: 2,
      deletion_audit: 1,
    });
    expect((await callJson('/users/me/invitations', { token: invitee.token })).body.invitations).toEqual([]);

    // Reserved for 7 days, to everyone including the former owner.
    const stranger = await createUser('dpnew');
    const early = await publishRaw(stranger.token, metadataFor(name, '2.0.0'), await makeTarball(name, '2.0.0'));
    expect(early.status, JSON.stringify(early.body)).toBe(403);
    expect(early.body.message).toContain('reserved');
    const held = await withDb((db) =>
      db.execute<{ days: number }>(sql`select extract(epoch from expires_at - now()) / 86400 as days
        from reserved_names where name = ${name}`),
    );
    expect(Number(held.rows[0]!.days)).toBeCloseTo(7, 1);
    await withDb((db) =>
      db.execute(sql`update reserved_names set expires_at = now() - interval '1 second' where name = ${name}`),
    );
    const reborn = await publishRaw(stranger.token, metadataFor(name, '2.0.0'), await makeTarball(name, '2.0.0'));
    expect(reborn.status, JSON.stringify(reborn.body)).toBe(201);
    const reused = await publishRaw(stranger.token, metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'));
    expect(reused.status).toBe(409);
    expect(reused.body.details).toMatchObject({ deleted: true });
  });
});

describe('webhooks', () => {
  it('sends version.deleted, then package.deleted after the package is gone, and the sweeper forgets the webhook', async () => {
    const { owner, name } = await ownedPackage('dhook');
    const hook = await createWebhook(owner.token, name);
    expect((await del(owner.token, name, '1.1.0')).status).toBe(200);
    const [first] = await waitForRequests(hook.path, 1);
    expect(JSON.parse(first!.body)).toMatchObject({
      event: 'version.deleted',
      package: name,
      version: '1.1.0',
      actor: { username: owner.username },
      data: { checksum: expect.stringMatching(/^sha256:/) },
    });

    expect((await del(owner.token, name)).status).toBe(200);
    const both = await waitForRequests(hook.path, 2);
    const last = JSON.parse(both[1]!.body);
    expect(last).toMatchObject({ event: 'package.deleted', package: name, data: { versions: ['1.0.0'] } });
    expect(last).not.toHaveProperty('version');
    expect(both[1]!.signature).toBe('ok');

    const settled = () =>
      withDb(async (db) => {
        const r = await db.execute<{ pending: number }>(sql`select count(*)::int as pending from webhook_deliveries
          where webhook_id = ${hook.id} and status = 'pending'`);
        return r.rows[0]!.pending === 0 ? true : undefined;
      });
    await waitFor(settled, 15_000, 'deliveries to finish');
    await sweepWebhookOutbox(env);
    const left = await withDb((db) => db.execute(sql`select 1 from webhooks where id = ${hook.id}`));
    expect(left.rows).toEqual([]);
  });
});

it("never shortens an operator's lasting reservation of the name to the deletion's 7 days", async () => {
  const { owner, name } = await ownedPackage('dres', ['1.0.0']);
  const { operator, operators } = await createOperator();
  const reserved = await adminCall(`/admin/reserved-names/${name}`, {
    method: 'PUT',
    token: operator.token,
    operators,
    json: { reason: 'Trademark.' },
  });
  expect(reserved.status).toBe(200);
  expect((await del(owner.token, name)).status).toBe(200);
  const row = await withDb((db) =>
    db.execute<{ reason: string; expires_at: string | null }>(
      sql`select reason, expires_at from reserved_names where name = ${name}`,
    ),
  );
  expect(row.rows).toEqual([{ reason: 'Trademark.', expires_at: null }]);
});
