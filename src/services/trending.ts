// Trending packages from the per-day download counts (version_downloads), one
// statement per call.
//
// trend_score = (current - previous) / sqrt(previous + 1)
//   current  = downloads in the period (the last 7 or 30 UTC days, today included),
//   previous = downloads in the period just before it.
// It is how many "standard deviations" the period grew by, treating daily
// downloads as Poisson counts (whose noise is about sqrt of the count): a
// package going 10 -> 100 (27.1) outranks one flat at 500 -> 500 (0), while a
// jump from 0 to 3 (3.0) stays modest. Flat packages score 0 and fading ones
// go negative, so they sort last. For `all` there is no previous period
// (previous = 0) and the score is the all-time download count, read from the
// denormalised packages.downloads rather than summing every day ever recorded.
// Ties go to more downloads in the period, then name.
import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';

import type { TrendingPeriod } from '../schemas/discovery';

const PERIOD_DAYS: Record<Exclude<TrendingPeriod, 'all'>, number> = { week: 7, month: 30 };

export type TrendingPackage = {
  name: string;
  version: string;
  description: string;
  downloads_period: number;
  trend_score: number;
};

export async function trendingPackages(
  db: Queryable,
  params: { period: TrendingPeriod; limit: number },
): Promise<TrendingPackage[]> {
  const result = await db.execute<TrendingPackage>(trendingQuery(params));
  return result.rows.map(normaliseTrending);
}

/** The statement, ranked best first; also embedded whole in the home page's statement. */
export function trendingQuery(params: { period: TrendingPeriod; limit: number }): SQL {
  if (params.period === 'all') {
    return sql`
      select name, latest_version as version, description,
        downloads::float8 as downloads_period, downloads::float8 as trend_score
      from packages
      where latest_version is not null and downloads > 0
      order by downloads desc, name
      limit ${params.limit}`;
  }
  const days = PERIOD_DAYS[params.period];
  // Summed per version first (index on day), then per package: the join to
  // versions sees one row per version instead of one per version and day.
  return sql`
    with today as (select (now() at time zone 'utc')::date as d),
    per_version as (
      select vd.version_id,
        sum(vd.count) filter (where vd.day > today.d - ${days}::int) as current,
        sum(vd.count) filter (where vd.day <= today.d - ${days}::int) as previous
      from today, version_downloads vd
      where vd.day > today.d - ${2 * days}::int
      group by vd.version_id
    ),
    counts as (
      select v.package_id, coalesce(sum(pv.current), 0) as current, coalesce(sum(pv.previous), 0) as previous
      from per_version pv
      join versions v on v.id = pv.version_id
      group by v.package_id
    )
    select p.name, p.latest_version as version, p.description,
      c.current::float8 as downloads_period,
      round(((c.current - c.previous) / sqrt(c.previous + 1))::numeric, 3)::float8 as trend_score
    from counts c
    join packages p on p.id = c.package_id
    where c.current > 0 and p.latest_version is not null
    order by trend_score desc, downloads_period desc, p.name
    limit ${params.limit}`;
}

export const normaliseTrending = (row: TrendingPackage): TrendingPackage => ({
  name: row.name,
  version: row.version,
  description: row.description,
  downloads_period: Number(row.downloads_period),
  trend_score: Number(row.trend_score),
});
