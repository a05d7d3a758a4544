// Writes racing each other on one package: the package row lock must make
// every outcome one a serial order could have produced. Each test uses a
// fresh user for its package (the new-name limit is 10 per user per hour).
import { sql } from 'drizzle-orm';
import semver from 'semver';
import { describe, expect, it, vi } from 'vitest';
import { callJson } from '../helpers/client';
import { httpDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { addOwner } from '../helpers/owners';
import { makeTarball, metadataFor, packageName, publishPackage, publishRaw } from '../helpers/packages';

// Dozens of racing publishes share two cores with the rest of the suite: the
// assertions are what matter here, not how long the races take.
vi.setConfig({ testTimeout: 90_000 });

const db = httpDb();

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

type VersionState = { version: string; yanked: boolean; yanked_at: string | null; description: string };

async function versionRows(name: string): Promise<VersionState[]> {
  const result = await db.execute<VersionState>(sql`
      select v.version, v.yanked, v.yanked_at::text as yanked_at, v.description
      from versions v join packages p on p.id = v.package_id where p.name = ${name}`);
  return result.rows;
}

async function packageRow(name: string) {
  const result = await db.execute<{ latest_version: string | null; description: string }>(
    sql`select latest_version, description from packages where name = ${name}`,
  );
  return result.rows[0];
}

/** API.md's rule, computed here from the rows alone: highest live release, else highest live pre-release. */
function expectedLatest(rows: { version: string; yanked: boolean }[]): string | null {
  const live = rows.filter((r) => !r.yanked).map((r) => r.version);
  const releases = live.filter((v) => semver.prerelease(v) === null);
  const pick = (vs: string[]) => (vs.length ? (semver.rsort([...vs])[0] as string) : null);
  return pick(releases) ?? pick(live);
}

/** Every view of the package agrees with a from-scratch recomputation over its version rows. */
async function expectConsistent(name: string) {
  const rows = await versionRows(name);
  for (const r of rows) expect(r.yanked_at !== null, `${r.version} yanked_at`).toBe(r.yanked);
  const latest = expectedLatest(rows);
  const pkg = await packageRow(name);
  expect(pkg?.latest_version ?? null).toBe(latest);
  // The package row mirrors the latest version's metadata.
  if (latest) expect(pkg?.description).toBe(rows.find((r) => r.version === latest)?.description);

  const { body } = await callJson(`/packages/${name}`);
  const live = rows.filter((r) => !r.yanked).map((r) => r.version);
  const yanked = rows.filter((r) => r.yanked).map((r) => r.version);
  expect(body.versions).toEqual(semver.sort([...live]));
  expect([...body.yanked_versions].sort()).toEqual([...yanked].sort());
  expect(body.latest_version).toBe(latest ?? '');
  const pages = await Promise.all(rows.map((r) => callJson(`/packages/${name}/${r.version}`)));
  rows.forEach((r, i) => {
    expect(pages[i]?.body.yanked).toBe(r.yanked);
    expect(pages[i]?.body.yanked_at === '').toBe(!r.yanked);
  });
  return rows;
}

// Two lanes run side by side (publishes; owner changes, then yanks); inside a
// lane the tests run one at a time, so at most two bursts (about 100
// connections) hit Postgres at once.
describe.concurrent('lane 1', () => {
  describe('parallel publishes', { concurrent: false }, () => {
    it('50 distinct versions of one package published at once all land, in order, latest right', async () => {
      const user = await createUser('par');
      const name = packageName('par');
      await publishPackage(user.token, name, '0.0.1');
      const versions = [
        ...Array.from({ length: 44 }, (_, i) => `1.${i}.0`),
        ...Array.from({ length: 5 }, (_, i) => `2.0.0-rc.${i + 1}`),
        '1.43.1',
      ];
      const bodies = await Promise.all(versions.map((v) => makeTarball(name, v)));
      const results = await Promise.all(
        shuffle(versions.map((v, i) => [v, bodies[i] as Uint8Array] as const)).map(([v, t]) =>
          publishRaw(user.token, metadataFor(name, v, { description: `version ${v}` }), t),
        ),
      );
      expect(
        results.map((r) => r.status),
        JSON.stringify(results.filter((r) => r.status !== 201).map((r) => r.body)),
      ).toEqual(Array(50).fill(201));

      const { body } = await callJson(`/packages/${name}`);
      expect(body.versions).toEqual(semver.sort(['0.0.1', ...versions]));
      expect(body.versions).toHaveLength(51);
      expect(body.latest_version).toBe('1.43.1');
      expect(body.description).toBe('version 1.43.1');
      await expectConsistent(name);
      const audit = await callJson(`/packages/${name}/audit?limit=200`, { token: user.token });
      expect(audit.body.entries.filter((e: { action: string }) => e.action === 'publish')).toHaveLength(51);
    });

    it('20 racing publishes of one version: exactly one 201, nineteen 409s, one row', async () => {
      const user = await createUser('race');
      const name = packageName('race');
      await publishPackage(user.token, name, '1.0.0');
      const tarballs = await Promise.all(Array.from({ length: 20 }, () => makeTarball(name, '2.0.0')));
      const results = await Promise.all(tarballs.map((t) => publishRaw(user.token, metadataFor(name, '2.0.0'), t)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([201, ...Array(19).fill(409)]);
      for (const r of results.filter((x) => x.status === 409)) {
        expect(r.body).toMatchObject({ error: 'conflict', details: { name, version: '2.0.0' } });
      }
      const winner = results.find((r) => r.status === 201);
      const rows = await versionRows(name);
      expect(rows.map((r) => r.version).sort()).toEqual(['1.0.0', '2.0.0']);
      const { body } = await callJson(`/packages/${name}/2.0.0`);
      expect(body.checksum).toBe(winner?.body.checksum);
      await expectConsistent(name);
    });
  });

  describe('racing first publishes of a new name', { concurrent: false }, () => {
    it('12 of one version: one 201, eleven 409s, and the new-name limit (10) charged once', async () => {
      const user = await createUser('first');
      const name = packageName('first');
      const tarballs = await Promise.all(Array.from({ length: 12 }, () => makeTarball(name, '1.0.0')));
      const results = await Promise.all(tarballs.map((t) => publishRaw(user.token, metadataFor(name, '1.0.0'), t)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([201, ...Array(11).fill(409)]);
      expect(await versionRows(name)).toHaveLength(1);
      // Only the publish that created the name counted: the next new name leaves 8 of 10.
      const next = await publishPackage(user.token, packageName('first'));
      expect(next.res.headers.get('x-ratelimit-limit')).toBe('10');
      expect(next.res.headers.get('x-ratelimit-remaining')).toBe('8');
    });

    it('6 different versions of a brand-new name at once all land', async () => {
      const user = await createUser('first');
      const name = packageName('first');
      const versions = Array.from({ length: 6 }, (_, i) => `0.${i}.0`);
      const results = await Promise.all(
        versions.map(async (v) => publishRaw(user.token, metadataFor(name, v), await makeTarball(name, v))),
      );
      expect(
        results.map((r) => r.status),
        JSON.stringify(results.map((r) => r.body)),
      ).toEqual(Array(6).fill(201));
      expect(new Set(results.map((r) => r.body.package_id)).size).toBe(1);
      expect((await callJson(`/packages/${name}`)).body.versions).toEqual(versions);
      expect((await callJson(`/packages/${name}/owners`)).body.owners).toHaveLength(1);
      await expectConsistent(name);
    });
  });
});

describe.concurrent('lane 2', () => {
  describe('parallel owner changes', { concurrent: false }, () => {
    const put = (by: TestUser, name: string, username: string, role: string) =>
      callJson(`/packages/${name}/owners`, { method: 'PUT', token: by.token, json: { username, role } });
    const del = (by: TestUser, name: string, username: string) =>
      callJson(`/packages/${name}/owners/${username}`, { method: 'DELETE', token: by.token });

    async function ownerRows(name: string) {
      const result = await db.execute<{ username: string; role: string }>(sql`
            select u.username, o.role from package_owners o
            join packages p on p.id = o.package_id join users u on u.id = o.user_id
            where p.name = ${name} order by u.username`);
      return result.rows;
    }

    it('owners removing and demoting each other and themselves all at once never leave zero owners', async () => {
      const people = await Promise.all(Array.from({ length: 6 }, () => createUser('own')));
      const name = packageName('owners');
      const [lead, ...rest] = people as [TestUser, ...TestUser[]];
      await publishPackage(lead.token, name, '1.0.0');
      // Four owners and two maintainers; in parallel too: the lead stays an owner.
      const owners = [lead, ...rest.slice(0, 3)];
      const maintainers = rest.slice(3);
      await Promise.all([
        ...owners.slice(1).map((o) => addOwner(lead, name, o, 'owner')),
        ...maintainers.map((m) => addOwner(lead, name, m, 'maintainer')),
      ]);

      // Every owner removes and demotes every owner (itself included); maintainers are
      // promoted and removed alongside; maintainers try to remove owners too.
      const ops = shuffle([
        ...owners.flatMap((by) => owners.map((target) => () => del(by, name, target.username))),
        ...owners.flatMap((by) => owners.map((target) => () => put(by, name, target.username, 'maintainer'))),
        ...owners.flatMap((by) => maintainers.map((m) => () => del(by, name, m.username))),
        ...owners.map((by) => () => put(by, name, (maintainers[0] as TestUser).username, 'owner')),
        ...maintainers.flatMap((by) => owners.map((target) => () => del(by, name, target.username))),
      ]);
      const results = await Promise.all(ops.map((op) => op()));
      for (const r of results) {
        // 202: a role change that arrived after its target's removal became an invitation.
        expect([200, 202, 403, 404], JSON.stringify(r.body)).toContain(r.status);
        if (r.status >= 400) expect(typeof r.body.error).toBe('string');
      }

      const rows = await ownerRows(name);
      expect(rows.filter((r) => r.role === 'owner').length, JSON.stringify(rows)).toBeGreaterThanOrEqual(1);
      const listed = (await callJson(`/packages/${name}/owners`)).body.owners;
      expect(listed.map((o: { username: string; role: string }) => [o.username, o.role]).sort()).toEqual(
        rows.map((r) => [r.username, r.role]).sort(),
      );
      // The package page names an owner, and one who really is an owner.
      const page = (await callJson(`/packages/${name}`)).body;
      expect(rows.find((r) => r.username === page.owner.username)?.role).toBe('owner');
      // Every removal that answered 200 happened, once: one audit entry each.
      const survivor = people.find((p) => p.username === page.owner.username) as TestUser;
      const trail = (await callJson(`/packages/${name}/audit?limit=200`, { token: survivor.token })).body.entries;
      const removals = results.filter((r) => r.status === 200 && r.body.removed === true).length;
      expect(trail.filter((e: { action: string }) => e.action === 'owner.remove')).toHaveLength(removals);
    });

    it('two last owners removing each other at once: exactly one succeeds', async () => {
      const pair = async () => {
        const [a, b] = await Promise.all([createUser('pair'), createUser('pair')]);
        const name = packageName('pair');
        await publishPackage(a!.token, name, '1.0.0');
        await addOwner(a!, name, b!, 'owner');
        const results = await Promise.all([
          del(a!, name, b!.username),
          del(b!, name, a!.username),
          del(a!, name, a!.username),
          del(b!, name, b!.username),
        ]);
        expect(
          results.filter((r) => r.status === 200),
          JSON.stringify(results.map((r) => r.body)),
        ).toHaveLength(1);
        const rows = await ownerRows(name);
        expect(rows).toHaveLength(1);
        expect(rows[0]?.role).toBe('owner');
      };
      await Promise.all(Array.from({ length: 3 }, pair));
    });
  });

  describe('parallel yanks and unyanks', { concurrent: false }, () => {
    it('leave yanked, yanked_at, versions and latest_version agreeing with a recomputation', async () => {
      const user = await createUser('yank');
      const name = packageName('yank');
      const versions = ['0.9.0', '1.0.0', '1.1.0', '1.2.0-beta.1', '2.0.0', '2.1.0-rc.1'];
      await Promise.all(versions.map((v) => publishPackage(user.token, name, v, { description: `version ${v}` })));
      // Start from a mixed state, the latest release among the yanked.
      for (const v of ['2.0.0', '1.2.0-beta.1']) {
        expect((await callJson(`/packages/${name}/${v}`, { method: 'DELETE', token: user.token })).status).toBe(200);
      }

      const ops = shuffle(
        Array.from({ length: 30 }, (_, i) => {
          const v = versions[i % versions.length] as string;
          return Math.random() < 0.5
            ? () => callJson(`/packages/${name}/${v}`, { method: 'DELETE', token: user.token })
            : () => callJson(`/packages/${name}/${v}/unyank`, { method: 'PUT', token: user.token });
        }),
      );
      // New versions land in the middle of it all.
      const extra = ['3.0.0', '0.1.0'];
      const [results, published] = await Promise.all([
        Promise.all(ops.map((op) => op())),
        Promise.all(
          extra.map(async (v) =>
            publishRaw(user.token, metadataFor(name, v, { description: `version ${v}` }), await makeTarball(name, v)),
          ),
        ),
      ]);
      versions.push(...extra);
      expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
      expect(published.map((r) => r.status)).toEqual([201, 201]);
      const rows = await expectConsistent(name);

      // Only real changes are audited, so per version the yanks and unyanks alternate:
      // one more yank than unyank exactly when the version ends yanked.
      const audit = (await callJson(`/packages/${name}/audit?limit=200`, { token: user.token })).body.entries as {
        action: string;
        version: string;
      }[];
      for (const r of rows) {
        const yanks = audit.filter((e) => e.version === r.version && e.action === 'yank').length;
        const unyanks = audit.filter((e) => e.version === r.version && e.action === 'unyank').length;
        expect(yanks - unyanks, r.version).toBe(r.yanked ? 1 : 0);
      }
    });

    it('yanking every version at once leaves latest_version empty; unyanking them all restores it', async () => {
      const user = await createUser('yankall');
      const name = packageName('yankall');
      const versions = ['1.0.0', '1.1.0', '2.0.0-beta.1', '1.2.0'];
      await Promise.all(versions.map((v) => publishPackage(user.token, name, v)));
      const yank = await Promise.all(
        versions.flatMap((v) =>
          [1, 2].map(() => callJson(`/packages/${name}/${v}`, { method: 'DELETE', token: user.token })),
        ),
      );
      expect(yank.map((r) => r.status)).toEqual(Array(8).fill(200));
      // Both yanks of a version report the one yanked_at the row holds.
      for (const v of versions) {
        const stamps = yank.filter((r) => r.body.version === v).map((r) => r.body.yanked_at);
        const { body } = await callJson(`/packages/${name}/${v}`);
        expect(stamps).toEqual([body.yanked_at, body.yanked_at]);
      }
      await expectConsistent(name);
      expect((await packageRow(name))?.latest_version).toBeNull();
      const unyank = await Promise.all(
        versions.map((v) => callJson(`/packages/${name}/${v}/unyank`, { method: 'PUT', token: user.token })),
      );
      expect(unyank.map((r) => r.status)).toEqual(Array(4).fill(200));
      await expectConsistent(name);
      expect((await callJson(`/packages/${name}`)).body.latest_version).toBe('1.2.0');
    });
  });
});
