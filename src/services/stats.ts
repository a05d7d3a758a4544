// Registry-wide and per-package numbers, one statement each. Counts read the
// exact counters kept by the writes (src/services/counters.ts), never counts of
// whole tables, so their cost does not grow with the registry. Download windows
// are UTC days with today included: last_week = the last 7 days, last_month =
// 30, last_year = 365. `total` is the denormalised packages.downloads, the same
// number search and listings show.
import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { takedownOf } from '../db/fragments';
import { type Takedown, takenDown } from '../errors';
import { counter } from './counters';

export type RegistryStats = {
  total_packages: number;
  total_versions: number;
  total_downloads: number;
  total_users: number;
};

/** One row of totals; also embedded in the home page's statement. */
export const registryStatsQuery = (): SQL => sql`
    select
      ${counter(sql`'packages'`)} as total_packages,
      ${counter(sql`'versions'`)} as total_versions,
      ${counter(sql`'downloads'`)} as total_downloads,
      ${counter(sql`'users'`)} as total_users`;

export async function registryStats(db: Queryable): Promise<RegistryStats> {
  const result = await db.execute<RegistryStats>(registryStatsQuery());
  return toRegistryStats(result.rows[0]);
}

export function toRegistryStats(row: Partial<RegistryStats> | undefined): RegistryStats {
  return {
    total_packages: Number(row?.total_packages ?? 0),
    total_versions: Number(row?.total_versions ?? 0),
    total_downloads: Number(row?.total_downloads ?? 0),
    total_users: Number(row?.total_users ?? 0),
  };
}

export type PackageStats = {
  name: string;
  downloads: { total: number; last_week: number; last_month: number; last_year: number };
  /** Every published version, yanked ones included (versions are immutable); taken-down ones are not counted. */
  versions_count: number;
  /** Other packages whose latest version lists this one in `dependencies`. */
  dependents_count: number;
};

export async function packageStats(db: Queryable, name: string): Promise<PackageStats | undefined> {
  const result = await db.execute<{
    name: string;
    total: number;
    last_week: number;
    last_month: number;
    last_year: number;
    versions_count: number;
    dependents_count: number;
    taken_down: Takedown | null;
  }>(sql`
    select p.name, p.downloads::float8 as total, ${takedownOf('p')} as taken_down,
      coalesce(w.last_week, 0)::float8 as last_week,
      coalesce(w.last_month, 0)::float8 as last_month,
      coalesce(w.last_year, 0)::float8 as last_year,
      -- The maintained count less the package's taken-down versions (a few rows of this package at most).
      (p.versions_count - (select count(*) from versions v
        where v.package_id = p.id and v.taken_down_at is not null))::float8 as versions_count,
      ${counter(sql`'dependents:' || p.name`)} as dependents_count
    from packages p
    left join lateral (
      select
        sum(vd.count) filter (where vd.day > today.d - 7) as last_week,
        sum(vd.count) filter (where vd.day > today.d - 30) as last_month,
        sum(vd.count) as last_year
      from (select (now() at time zone 'utc')::date as d) today, version_downloads vd
      join versions v on v.id = vd.version_id
      where v.package_id = p.id and vd.day > today.d - 365
    ) w on true
    where p.name = ${name}`);
  const row = result.rows[0];
  if (!row) return undefined;
  // Withheld as the package's own reply is: its numbers are no more public than its info.
  if (row.taken_down) throw takenDown(`"${name}"`, row.taken_down);
  return {
    name: row.name,
    downloads: {
      total: Number(row.total),
      last_week: Number(row.last_week),
      last_month: Number(row.last_month),
      last_year: Number(row.last_year),
    },
    versions_count: Number(row.versions_count),
    dependents_count: Number(row.dependents_count),
  };
}
