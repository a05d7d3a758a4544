// The exact counters behind /stats, package stats and category totals, kept as
// signed deltas in counter_deltas (see src/db/schema.ts) by the code that
// changes the counted rows, in its own transaction, without triggers (they
// cost every publish far more):
//   - publish, yank, unyank: refreshLatest (src/services/packages.ts) already
//     reads the package before and updates it after; it compares the two
//     (packageDeltas) and appends the difference in one more statement, a
//     plain insert (applyCounterDeltas), plus the package's package_ranks row
//     when it appears or its liveness changes and its category_ranks rows when
//     its words or liveness change;
//   - registration: applyCounterDeltas(tx, { users: 1 });
//   - downloads: the flush writes no counter; the cron re-sums today's and
//     yesterday's package_downloads (rollupRecentDownloads), then settleDownloads
//     moves package_ranks.downloads (and category_ranks') up to packages.downloads
//     for the packages downloaded since yesterday and adds the difference to `downloads` (so
//     `downloads` is always the sum of package_ranks.downloads, exact as of the
//     last run).
//
// Deleting (an owner deletion route, or by hand), in the deleting transaction:
//   - versions: delete the rows, then refreshLatest(tx, packageId), which
//     recounts the package's versions and appends the differences; if the
//     versions' downloads are taken off packages.downloads, then also
//     settleDownloads(tx, packageId);
//   - a package: removePackageCounters(tx, packageId) BEFORE the DELETE (it also
//     deletes the package's package_ranks and category_ranks rows: no foreign
//     key cascades them, see src/db/schema.ts);
//   - a user: applyCounterDeltas(tx, { users: -1 }).
// A bulk load that bypassed all this (a seed, a restore) calls
// addPackageCounters per package, or `select raven_rebuild_counters()` for all.
import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';

/** A scalar subquery for the counter under `key` (an SQL text expression), 0 when it has no rows. */
export const counter = (key: SQL): SQL =>
  sql`(select coalesce(sum(c.delta), 0) from counter_deltas c where c.key = ${key})::float8`;

/** What one package adds to the counters. */
export type Counted = {
  /** Version rows, yanked included; a package with none is not counted. */
  versions: number;
  /** Has a non-yanked version: listed in categories, its dependencies count. */
  live: boolean;
  categories: string[];
  keywords: string[];
  /** The latest version's dependency names (packages.latest_dependencies). */
  dependencies: string[];
};

/**
 * SQL for the dependency names of version row `v` of package row `p` as a text
 * array (its `dependencies` object's keys, never the package itself), as
 * packages.latest_dependencies holds them.
 */
export const dependencyNames = (v: string, p: string): SQL =>
  sql.raw(`array(
    select k from jsonb_object_keys(case when jsonb_typeof(${v}.dependencies) = 'object' then ${v}.dependencies else '{}' end) as k
    where k <> ${p}.name order by k)`);

/** The counter deltas of a package (named `name`) going from `before` to `after`. */
export function packageDeltas(name: string, before: Counted, after: Counted): Record<string, number> {
  const deltas: Record<string, number> = {};
  const add = (key: string, n: number) => {
    deltas[key] = (deltas[key] ?? 0) + n;
  };
  for (const [state, sign] of [
    [before, -1],
    [after, 1],
  ] as const) {
    if (state.versions > 0) add('packages', sign);
    add('versions', sign * state.versions);
    if (state.live) for (const w of new Set([...state.categories, ...state.keywords])) add(`category:${w}`, sign);
    if (state.live) for (const d of new Set(state.dependencies)) if (d !== name) add(`dependents:${d}`, sign);
  }
  return deltas;
}

/** A package's rows in the ranked orderings, as a publish, yank or takedown leaves them. */
export type RankChange = {
  packageId: string;
  name: string;
  /** Set when the package appeared or its liveness changed: its package_ranks row. */
  live?: boolean;
  /** Set when they changed: the words it is listed under in category_ranks (none unless live). */
  words?: string[];
  /** Its first version: it has no rows to remove, lock or read downloads from yet. */
  fresh?: boolean;
};

/** The category_ranks words of a package as counted: its categories and keywords while it is live. */
export const rankedWords = (c: Counted): string[] => (c.live ? [...new Set([...c.categories, ...c.keywords])] : []);

/**
 * Appends the non-zero deltas and applies `rank` in one statement: the
 * package's package_ranks row (a new row starts at 0 downloads, as counted:
 * settleDownloads brings it up) and its category_ranks rows (added at its
 * package_ranks downloads).
 */
export async function applyCounterDeltas(
  db: Queryable,
  deltas: Record<string, number>,
  rank?: RankChange,
): Promise<void> {
  const rows = Object.entries(deltas).filter(([, delta]) => delta !== 0);
  const steps: SQL[] = [];
  if (rows.length)
    steps.push(
      sql`insert into counter_deltas (key, delta) values ${sql.join(
        rows.map(([key, delta]) => sql`(${key}, ${delta})`),
        sql`, `,
      )}`,
    );
  if (rank?.live !== undefined)
    steps.push(sql`insert into package_ranks (package_id, name, downloads, live)
      values (${rank.packageId}, ${rank.name}, 0, ${rank.live})
      on conflict (package_id) do update set live = excluded.live`);
  if (rank?.words) {
    const words = sql`array[${sql.join(
      rank.words.map((w) => sql`${w}`),
      sql`, `,
    )}]::text[]`;
    if (!rank.fresh)
      steps.push(
        sql`delete from category_ranks where package_id = ${rank.packageId} and not (category = any(${words}))`,
      );
    const downloads = rank.fresh
      ? sql`0`
      : sql`coalesce((select r.downloads from package_ranks r where r.package_id = ${rank.packageId}), 0)`;
    steps.push(sql`insert into category_ranks (package_id, category, name, downloads)
      select ${rank.packageId}::uuid, w, ${rank.name}::text, ${downloads}
      from unnest(${words}) as w
      on conflict do nothing`);
  }
  if (steps.length === 0) return;
  if (!rank || (rank.live === undefined && rank.words === undefined)) {
    await db.execute(steps[0]!); // the counters' insert alone
    return;
  }
  // Data-modifying CTEs all run against one snapshot, after the main query and in no order we choose:
  // the main query takes the package's package_ranks row first, the lock settleDownloads takes before
  // it writes category_ranks, so the two always lock in the same order (the other order deadlocked).
  const ctes = steps.map((step, i) => sql`${sql.raw(`s${i}`)} as (${step} returning 1)`);
  const main = rank.fresh
    ? sql`select 1`
    : sql`select 1 from package_ranks where package_id = ${rank.packageId} for update`;
  await db.execute(sql`with ${sql.join(ctes, sql`, `)} ${main}`);
}

/** One package's whole contribution, times `sign`, as (key, n) rows; `p` is the package with `versions` and `downloads` as counted. */
const contribution = (sign: 1 | -1) => sql`
  select key, ${sign}::int * sum(n) as n from (
    select 'packages' as key, 1::bigint as n from p where p.versions > 0
    union all select 'versions', p.versions from p
    union all select 'downloads', p.downloads from p
    union all select 'category:' || w, 1 from p, lateral (select distinct unnest(p.categories || p.keywords) as w) words
      where p.latest_version is not null
    union all select 'dependents:' || d, 1 from p, lateral (select distinct unnest(p.deps) as d) deps
      where p.latest_version is not null
  ) c
  group by key
  having sum(n) <> 0`;

/**
 * Subtracts everything a package adds to the counters and deletes its rows in
 * the rankings (which have no foreign key to cascade): call just before deleting it.
 */
export async function removePackageCounters(db: Queryable, packageId: string): Promise<void> {
  // The downloads subtracted are those of the package_ranks row deleted: if the cron's settleDownloads
  // holds it, the delete waits and returns the row as settled (a read in this snapshot would not).
  await db.execute(sql`
    with unranked as (delete from package_ranks where package_id = ${packageId} returning downloads),
    unlisted as (delete from category_ranks where package_id = ${packageId} returning 1),
    p as (
      select p.id, p.name, p.latest_version, p.categories, p.keywords, p.versions_count as versions,
        p.latest_dependencies as deps, coalesce((select downloads from unranked), 0) as downloads
      from packages p
      where p.id = ${packageId}
    )
    insert into counter_deltas (key, delta) select key, n from (${contribution(-1)}) d`);
}

/**
 * Counts a package written without the services (a seed, a restore): sets its
 * versions_count, latest_dependencies, package_ranks and category_ranks rows from its rows and adds its whole
 * contribution, downloads included. Only for a package not counted yet.
 */
export async function addPackageCounters(db: Queryable, packageId: string): Promise<void> {
  await db.execute(sql`
    with p as (
      select p.id, p.name, p.latest_version, p.categories, p.keywords, p.downloads,
        (select count(*) from versions v where v.package_id = p.id)::int as versions,
        coalesce((select ${dependencyNames('lv', 'p')} from versions lv
          where lv.package_id = p.id and lv.version = p.latest_version), '{}') as deps
      from packages p where p.id = ${packageId}
    ),
    counted as (
      update packages set versions_count = p.versions, latest_dependencies = p.deps from p where packages.id = p.id
      returning 1
    ),
    ranked as (
      insert into package_ranks (package_id, name, downloads, live)
      select id, name, downloads, latest_version is not null from p
      returning 1
    ),
    listed as (
      insert into category_ranks (package_id, category, name, downloads)
      select p.id, w, p.name, p.downloads
      from p, lateral (select distinct unnest(p.categories || p.keywords) as w) words
      where p.latest_version is not null
      returning 1
    )
    insert into counter_deltas (key, delta) select key, n from (${contribution(1)}) d`);
}

/**
 * The cron's first step for downloads: package_downloads for today and
 * yesterday set to the sum of their version_downloads rows (the flush writes
 * per version only; a flush is never more than a retry delay late, so older
 * days are final). Reads the last two days of version_downloads by its day
 * index; returns the rows changed.
 */
export async function rollupRecentDownloads(db: Queryable): Promise<number> {
  const result = await db.execute<{ changed: string }>(sql`
    with summed as (
      insert into package_downloads (package_id, day, count)
      select v.package_id, vd.day, sum(vd.count)
      from version_downloads vd join versions v on v.id = vd.version_id
      where vd.day >= (now() at time zone 'utc')::date - 1
      group by v.package_id, vd.day
      on conflict (day, package_id) do update set count = excluded.count
        where package_downloads.count <> excluded.count
      returning 1
    )
    select count(*) as changed from summed`);
  return Number(result.rows[0]?.changed ?? 0);
}

/**
 * The cron's second step for downloads: brings package_ranks.downloads up to
 * packages.downloads for the packages downloaded since yesterday (the flush's
 * day, from package_downloads), and adds the total difference to the
 * `downloads` counter, in one statement. Rows are locked as they are read, so
 * two runs at once cannot add one difference twice. With `packageId`, settles
 * that package alone (after a deletion lowered its packages.downloads).
 */
export async function settleDownloads(db: Queryable, packageId?: string): Promise<number> {
  const recent = packageId
    ? sql`select ${packageId}::uuid as package_id`
    : sql`select distinct package_id from package_downloads where day >= (now() at time zone 'utc')::date - 1`;
  const result = await db.execute<{ settled: string }>(sql`
    with recent as (${recent}),
    changed as (
      select r.package_id, p.downloads, p.downloads - r.downloads as added
      from recent x
      join package_ranks r on r.package_id = x.package_id
      join packages p on p.id = r.package_id
      where p.downloads <> r.downloads
      for update of r
    ),
    moved as (
      update package_ranks r set downloads = c.downloads from changed c where r.package_id = c.package_id
      returning 1
    ),
    -- Every recent package's category rows to its new (or, unchanged, current) count: rows a publish
    -- added while this ran were not visible to it, and are set by the next run.
    listed as (
      update category_ranks c set downloads = coalesce(ch.downloads, r.downloads)
      from recent x
      join package_ranks r on r.package_id = x.package_id
      left join changed ch on ch.package_id = x.package_id
      where c.package_id = x.package_id and c.downloads <> coalesce(ch.downloads, r.downloads)
      returning 1
    ),
    counted as (
      insert into counter_deltas (key, delta)
      select 'downloads', sum(added) from changed having sum(added) <> 0
      returning 1
    )
    select (select count(*) from moved) as settled, (select count(*) from counted) as appended`);
  return Number(result.rows[0]?.settled ?? 0);
}

/** Folds every key with new deltas into one row (the cron's step); returns the rows folded. */
export async function compactCounters(db: Queryable): Promise<number> {
  const result = await db.execute<{ folded: string }>(sql`
    with fresh as (
      select distinct key from counter_deltas where not settled
    ), gone as (
      delete from counter_deltas d using fresh f where d.key = f.key returning d.key, d.delta
    ), kept as (
      insert into counter_deltas (key, delta, settled)
      select key, sum(delta), true from gone group by key having sum(delta) <> 0
      returning 1
    )
    select count(*) as folded from gone`);
  return Number(result.rows[0]?.folded ?? 0);
}
