// The exact counters behind /stats, package stats and category totals, kept as
// signed deltas in counter_deltas (see src/db/schema.ts) by the code that
// changes the counted rows, in its own transaction, one statement each:
//   - publish, yank, unyank (refreshLatest calls syncPackageCounters);
//   - registration (applyCounterDeltas: users +1);
//   - the download flush (its statement appends the `downloads` delta).
// No triggers: they cost every publish far more than one statement does.
//
// Deleting (the owner deletion route, or by hand): in the deleting transaction,
//   - a version: delete the row, then refreshLatest (which syncs); if the
//     version's downloads are taken off packages.downloads, also
//     applyCounterDeltas(tx, { downloads: -n });
//   - a package: syncPackageCounters(tx, id, { removing: true }) BEFORE the
//     DELETE (it reads the package's downloads to subtract them);
//   - a user: applyCounterDeltas(tx, { users: -1 }).
// A bulk load that bypasses all this (the benchmark's seed, a restore) ends with
// `select raven_rebuild_counters()` (drizzle/*_counters_rebuild.sql).
import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';

/** A scalar subquery for the counter under `key` (an SQL text expression), 0 when it has no rows. */
export const counter = (key: SQL): SQL =>
  sql`(select coalesce(sum(c.delta), 0) from counter_deltas c where c.key = ${key})::float8`;

/** Appends deltas (zeros skipped) in one statement. */
export async function applyCounterDeltas(db: Queryable, deltas: Record<string, number>): Promise<void> {
  const rows = Object.entries(deltas).filter(([, delta]) => delta !== 0);
  if (rows.length === 0) return;
  await db.execute(sql`
    insert into counter_deltas (key, delta)
    values ${sql.join(
      rows.map(([key, delta]) => sql`(${key}, ${delta})`),
      sql`, `,
    )}`);
}

/** Dependency names of a version row `v` (a JSON object; anything else has none). */
const dependencyNames = (v: string) =>
  sql.raw(
    `jsonb_object_keys(case when jsonb_typeof(${v}.dependencies) = 'object' then ${v}.dependencies else '{}' end)`,
  );

/**
 * Brings the counters in line with one package's rows as they are now, in one
 * statement: what the package adds to them now (row count, version count,
 * category words while live, its latest version's dependencies) minus what it
 * added when last synced (package_counts), appended as deltas; package_counts
 * and package_ranks are updated to match. Idempotent. Call after the package's
 * rows changed, in the same transaction, with the package row locked (publish
 * and yank hold it), so two syncs of one package cannot interleave. With
 * `removing`, the package counts as gone and its downloads are subtracted: call
 * it just before deleting the package.
 */
export async function syncPackageCounters(
  db: Queryable,
  packageId: string,
  options: { removing?: boolean } = {},
): Promise<void> {
  const removing = options.removing ?? false;
  await db.execute(sql`
    with current as (
      select p.id, p.name, p.downloads, p.latest_version is not null as live,
        (select count(*) from versions v where v.package_id = p.id)::int as versions,
        case when p.latest_version is null then '{}'::text[]
          else array(select distinct w from unnest(p.categories || p.keywords) as w order by w) end as listed,
        array(
          select distinct d.name from versions lv, ${dependencyNames('lv')} as d(name)
          where lv.package_id = p.id and lv.version = p.latest_version and d.name <> p.name
          order by d.name
        ) as dependencies
      from packages p
      where p.id = ${packageId} and not ${removing}
    ),
    was as (select * from package_counts where package_id = ${packageId}),
    deltas as (
      select key, sum(delta) as delta from (
        select 'packages' as key, 1::bigint as delta from current
        union all select 'packages', -1 from was
        union all select 'versions', versions from current
        union all select 'versions', -versions from was
        union all select 'category:' || w, 1 from current, unnest(current.listed) as w
        union all select 'category:' || w, -1 from was, unnest(was.listed) as w
        union all select 'dependents:' || d, 1 from current, unnest(current.dependencies) as d
        union all select 'dependents:' || d, -1 from was, unnest(was.dependencies) as d
        union all select 'downloads', -p.downloads from packages p where ${removing} and p.id = ${packageId}
      ) d
      group by key
      having sum(delta) <> 0
    ),
    appended as (insert into counter_deltas (key, delta) select key, delta from deltas returning 1),
    stored as (
      insert into package_counts (package_id, versions, listed, dependencies)
      select id, versions, listed, dependencies from current
      on conflict (package_id) do update
        set versions = excluded.versions, listed = excluded.listed, dependencies = excluded.dependencies
      returning 1
    ),
    unstored as (
      delete from package_counts where package_id = ${packageId} and not exists (select 1 from current)
      returning 1
    ),
    ranked as (
      insert into package_ranks (package_id, name, downloads)
      select id, name, downloads from current where live
      on conflict (package_id) do update set downloads = excluded.downloads
        where package_ranks.downloads <> excluded.downloads
      returning 1
    ),
    unranked as (
      delete from package_ranks
      where package_id = ${packageId} and not exists (select 1 from current where live)
      returning 1
    )
    select (select count(*) from appended) + (select count(*) from stored) + (select count(*) from unstored)
      + (select count(*) from ranked) + (select count(*) from unranked) as written`);
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
