// The counters behind /stats, package stats and category totals are written by
// the code that changes the counted rows (src/services/counters.ts), so each
// step here (publishes, yanks, unyanks, a download flush, deletions done the
// way the services document, the cron's folding) is followed by a recount of
// the tables. Counters and recount are read in one statement, one snapshot.
// Other test files write to this database at the same time (some straight in
// SQL, bypassing the counters), so registry-wide counters are pinned by their
// difference from the recount staying the same across a step, and this file's
// own keys (its packages, dependents and a category word nobody else uses) by
// equality. `downloads` is recounted as the sum of package_ranks.downloads,
// which the cron brings up to packages.downloads (checked per package). The
// category pages' ordering, category_ranks, is pinned the same way: its rows
// for the word and for each package against the packages they list, and no
// ranking row outlives its package.
import { env, runDurableObjectAlarm } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client';
import {
  applyCounterDeltas,
  compactCounters,
  removePackageCounters,
  rollupRecentDownloads,
  settleDownloads,
} from '../../src/services/counters';
import { downloadCounterFor } from '../../src/services/downloads';
import { refreshLatest } from '../../src/services/packages';
import { callJson } from '../helpers/client';
import { httpDb, withDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';
import { waitFor } from '../helpers/webhooks';

const GLOBAL = ['packages', 'versions', 'users', 'downloads'];

type Row = { key: string; counter: string | null; recount: string | null };

/** Counter and recount per key: the registry-wide ones, and those about `names` and `word`. */
async function readCounts(names: string[], word: string): Promise<Map<string, [number, number]>> {
  const list = `{${names.join(',')}}`; // package names need no quoting
  const result = await httpDb().execute<Row>(sql`
    with mine as (select id, name from packages where name = any(${list}::text[])),
    keys as (
      select unnest(array['packages', 'versions', 'users', 'downloads', ${`category:${word}`}]) as key
      union all select 'dependents:' || n from unnest(${list}::text[]) as n
    ),
    counters as (
      select k.key, (select sum(delta) from counter_deltas c where c.key = k.key) as v from keys k
    ),
    recount as (
      select 'packages' as key, count(*) as v from packages
      union all select 'versions', count(*) from versions
      union all select 'users', count(*) from users
      union all select 'downloads', sum(downloads) from package_ranks
      union all select ${`category:${word}`}, count(*) from packages p
        where p.latest_version is not null and (${word} = any(p.categories) or ${word} = any(p.keywords))
      union all select 'dependents:' || m.name, (
        select count(*) from packages dp
        join versions lv on lv.package_id = dp.id and lv.version = dp.latest_version
        where lv.dependencies ? m.name and dp.id <> m.id)
        from mine m
    )
    select c.key, c.v::text as counter, r.v::text as recount from counters c left join recount r on r.key = c.key
    union all
    select 'versions:' || m.name, (select p.versions_count from packages p where p.id = m.id)::text,
      (select count(*) from versions v where v.package_id = m.id)::text
    from mine m
    -- category_ranks: the word's rows are its live packages; each package's rows are its words while
    -- live, at its package_ranks downloads.
    union all
    select ${`ranked:${word}`}, (select count(*) from category_ranks r where r.category = ${word})::text,
      (select count(*) from packages p
        where p.latest_version is not null and (${word} = any(p.categories) or ${word} = any(p.keywords)))::text
    union all
    select 'ranked:' || m.name, (select count(*) from category_ranks r where r.package_id = m.id)::text,
      (select count(distinct w) from packages p, unnest(p.categories || p.keywords) as w
        where p.id = m.id and p.latest_version is not null)::text
    from mine m
    union all
    select 'ranked downloads:' || m.name, (
        select count(*) from category_ranks c join package_ranks r on r.package_id = c.package_id
        where c.package_id = m.id and c.downloads <> r.downloads)::text, '0'
    from mine m
    -- No foreign key removes a deleted package's rows in the rankings: removePackageCounters must.
    union all
    select 'ranks of deleted packages', (
        (select count(*) from package_ranks r where not exists (select 1 from packages p where p.id = r.package_id))
        + (select count(*) from category_ranks c where not exists (select 1 from packages p where p.id = c.package_id))
      )::text, '0'`);
  return new Map(result.rows.map((r) => [r.key, [Number(r.counter ?? 0), Number(r.recount ?? 0)]]));
}

/** Runs `step`, then checks every counter: own keys equal their recount, registry-wide ones keep their offset. */
async function expectExactAcross(names: string[], word: string, step: () => Promise<unknown>) {
  const before = await readCounts(names, word);
  await step();
  const after = await readCounts(names, word);
  const offset = (m: Map<string, [number, number]>, key: string) => (m.get(key)?.[0] ?? 0) - (m.get(key)?.[1] ?? 0);
  for (const key of after.keys()) {
    if (GLOBAL.includes(key)) expect([key, offset(after, key)]).toEqual([key, offset(before, key)]);
    else expect([key, after.get(key)![0]]).toEqual([key, after.get(key)![1]]);
  }
}

const stats = async (name: string) => (await callJson(`/packages/${name}/stats`)).body;
const inTransaction = async (fn: Parameters<ReturnType<typeof createDatabase>['transaction']>[0]) => {
  const database = createDatabase(env.DATABASE_URL, env.WS_PROXY);
  try {
    await database.transaction(fn);
  } finally {
    await database.close();
  }
};

let user: TestUser;
let base: string;
let app: string;
// Categories are a fixed list: 'tools' is shared with other files, so this file counts its own keyword instead.
const word = `cat${Math.random().toString(36).slice(2, 8).replace(/\d/g, 'q')}`;

beforeAll(async () => {
  user = await createUser('count');
  base = packageName('base');
  app = packageName('app');
});

describe('counters', () => {
  it('match a recount after publishes, including a dependent and its new latest version', async () => {
    await expectExactAcross([base, app], word, async () => {
      await publishPackage(user.token, base, '1.0.0', { keywords: [word] });
      await publishPackage(user.token, app, '1.0.0', { keywords: [word], dependencies: { [base]: '^1.0' } });
      await publishPackage(user.token, app, '1.1.0', {
        keywords: [word],
        dependencies: { [base]: '^1.0', other: '1' },
      });
    });
    expect(await stats(base)).toMatchObject({ versions_count: 1, dependents_count: 1 });
    expect(await stats(app)).toMatchObject({ versions_count: 2, dependents_count: 0 });
  });

  it('match a recount after yanks and unyanks move the latest version', async () => {
    // 1.2.0 drops the dependency on base and trades the word for another (out of one category, into
    // another): yanking it makes 1.1.0 latest again, and back.
    await expectExactAcross([base, app], word, () =>
      publishPackage(user.token, app, '1.2.0', { keywords: [`${word}x`], dependencies: {} }),
    );
    expect(await stats(base)).toMatchObject({ dependents_count: 0 });
    await expectExactAcross([base, app], word, async () => {
      const yank = await callJson(`/packages/${app}/1.2.0`, { method: 'DELETE', token: user.token });
      expect(yank.status).toBe(200);
    });
    expect(await stats(base)).toMatchObject({ dependents_count: 1 });
    // Every version yanked: no live version, so no dependents and out of the category.
    await expectExactAcross([base, app], word, async () => {
      for (const v of ['1.0.0', '1.1.0']) {
        expect((await callJson(`/packages/${app}/${v}`, { method: 'DELETE', token: user.token })).status).toBe(200);
      }
    });
    expect(await stats(base)).toMatchObject({ dependents_count: 0 });
    await expectExactAcross([base, app], word, async () => {
      const unyank = await callJson(`/packages/${app}/1.1.0/unyank`, { method: 'PUT', token: user.token });
      expect(unyank.status).toBe(200);
    });
    expect(await stats(base)).toMatchObject({ dependents_count: 1 });
    expect(await stats(app)).toMatchObject({ versions_count: 3 });
  });

  it('match a recount after a download flush and the cron settling it', async () => {
    await expectExactAcross([base, app], word, async () => {
      const counter = downloadCounterFor(env, base);
      await counter.add(base, '1.0.0', 7);
      expect(await runDurableObjectAlarm(counter)).toBe(true);
      await withDb(async (db) => {
        await rollupRecentDownloads(db);
        await settleDownloads(db);
      });
    });
    expect((await stats(base)).downloads.total).toBe(7);
    // The cron rolled the flush up for trending and into the downloads ordering.
    const rollups = await httpDb().execute<{ today: string; ranked: string }>(sql`
      select (select sum(d.count) from package_downloads d where d.package_id = p.id
          and d.day = (now() at time zone 'utc')::date)::text as today,
        (select r.downloads from package_ranks r where r.package_id = p.id)::text as ranked
      from packages p where p.name = ${base}`);
    expect(rollups.rows[0]).toEqual({ today: '7', ranked: '7' });
  });

  it('match a recount after a version, a package and a user are deleted as the services document', async () => {
    // The latest version's row deleted: its dependencies stop counting.
    await expectExactAcross([base, app], word, () =>
      inTransaction(async (tx) => {
        const [row] = (
          await tx.execute<{ id: string }>(sql`
            delete from versions v using packages p
            where v.package_id = p.id and p.name = ${app} and v.version = '1.1.0' returning p.id`)
        ).rows;
        await refreshLatest(tx, row!.id);
      }),
    );
    expect(await stats(base)).toMatchObject({ dependents_count: 0 });
    expect(await stats(app)).toMatchObject({ versions_count: 2 });
    // A package deleted with its versions (cascade), its downloads and its category membership.
    await expectExactAcross([base, app], word, () =>
      inTransaction(async (tx) => {
        const [row] = (await tx.execute<{ id: string }>(sql`select id from packages where name = ${base}`)).rows;
        await removePackageCounters(tx, row!.id);
        await tx.execute(sql`delete from packages where id = ${row!.id}`);
      }),
    );
    const gone = await createUser('gone');
    await expectExactAcross([app], word, () =>
      inTransaction(async (tx) => {
        await applyCounterDeltas(tx, { users: -1 });
        await tx.execute(sql`delete from users where id = ${gone.userId}`);
      }),
    );
  });

  it('match a recount after owners delete a version and then the package through the API', async () => {
    const name = packageName('del');
    const dependent = packageName('deldep');
    const own = `${word}d`;
    await publishPackage(user.token, name, '1.0.0', { keywords: [own] });
    await publishPackage(user.token, dependent, '1.0.0', { keywords: [own], dependencies: { [name]: '^1.0' } });
    await publishPackage(user.token, dependent, '1.1.0', { keywords: [own], dependencies: { [name]: '^1.0' } });
    const remove = (pkg: string, json: Record<string, string>) =>
      callJson(`/packages/${pkg}/delete`, { method: 'POST', token: user.token, json });
    // The latest version of the dependent goes: 1.0.0, which depends on `name` too, is latest again.
    await expectExactAcross([name, dependent], own, async () => {
      expect((await remove(dependent, { version: '1.1.0' })).status).toBe(200);
    });
    expect(await stats(name)).toMatchObject({ dependents_count: 1 });
    expect(await stats(dependent)).toMatchObject({ versions_count: 1 });
    await expectExactAcross([name, dependent], own, async () => {
      expect((await remove(dependent, {})).status).toBe(200);
    });
    expect(await stats(name)).toMatchObject({ dependents_count: 0 });
  });

  it("stay exact when a package is deleted while the cron holds its downloads' row", async () => {
    const name = packageName('race');
    await publishPackage(user.token, name, '1.0.0');
    const found = await httpDb().execute<{ id: string }>(sql`select id from packages where name = ${name}`);
    const id = found.rows[0]!.id;
    await expectExactAcross([], word, async () => {
      // As a flush would: packages.downloads moves; package_ranks follows when the cron settles it.
      await withDb((db) => db.execute(sql`update packages set downloads = downloads + 5 where id = ${id}`));
      let release = () => {};
      let settled = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const locked = new Promise<void>((resolve) => {
        settled = resolve;
      });
      const cron = inTransaction(async (tx) => {
        expect(await settleDownloads(tx, id)).toBe(1); // the package_ranks row is locked until commit
        settled();
        await held;
      });
      await locked;
      const deletion = inTransaction(async (tx) => {
        await removePackageCounters(tx, id);
        await tx.execute(sql`delete from packages where id = ${id}`);
      });
      // The deletion waits on the cron's row lock, its snapshot taken before the cron's update commits.
      await waitFor(
        async () => {
          const waiting = await httpDb().execute<{ n: number }>(sql`
          select count(*)::int as n from pg_stat_activity
          where wait_event_type = 'Lock' and query like '%delete from package_ranks%'`);
          return waiting.rows[0]!.n > 0 ? true : undefined;
        },
        15_000,
        'the deletion to wait on the row lock',
      );
      release();
      await Promise.all([cron, deletion]);
    });
  });

  it('keep their values when the cron folds them, and a folded key is one row', async () => {
    const name = packageName('fold');
    const own = `${word}f`;
    await expectExactAcross([name], own, async () => {
      await publishPackage(user.token, name, '1.0.0', { keywords: [own] });
      await publishPackage(user.token, name, '1.0.1', { keywords: [own] });
      // (Another file's cron run may fold them first: the outcome is the same.)
      await withDb((db) => compactCounters(db));
    });
    const rows = await httpDb().execute<{ n: string }>(
      sql`select count(*) as n from counter_deltas where key = ${`category:${own}`}`,
    );
    expect(Number(rows.rows[0]?.n)).toBe(1);
    expect(await stats(name)).toMatchObject({ versions_count: 2 });
  });
});
