// Trending packages, one statement per call.
//
// Ranking a period sums its last 2 x 7 or 2 x 30 days of downloads, which grows
// with the registry, so requests never do it: the cron ranks both periods
// (refreshTrending, when the stored ranking is older than
// TRENDING_REFRESH_SECONDS) from the per-package daily rollup
// (package_downloads, one row per package and day with downloads, which the
// cron brings up to date just before) and stores
// the top TRENDING_SNAPSHOT_SIZE; a request reads one page of that, joined to
// packages for the current name, version and description. The reply is
// edge-cached for 5 minutes anyway.
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

/** The largest `limit` a request may ask for (src/schemas/discovery.ts), so every page is in the snapshot. */
const TRENDING_SNAPSHOT_SIZE = 100;
/** How old a period's ranking may get before the cron ranks it again. */
const TRENDING_REFRESH_SECONDS = 300;

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
    // Walks the downloads ordering of live packages and stops at the page.
    return sql`
      select p.name, p.latest_version as version, p.description,
        p.downloads::float8 as downloads_period, p.downloads::float8 as trend_score
      from package_ranks r
      join packages p on p.id = r.package_id
      where r.live and p.latest_version is not null and p.downloads > 0
      order by r.downloads desc, r.name
      limit ${params.limit}`;
  }
  // The newest ranking of the period; a package yanked since then drops out.
  return sql`
    select p.name, p.latest_version as version, p.description,
      t.downloads_period::float8 as downloads_period, t.trend_score
    from trending_snapshot t
    join packages p on p.id = t.package_id
    where t.period = ${params.period} and p.latest_version is not null
      and t.computed_at = (select max(computed_at) from trending_snapshot where period = ${params.period})
    order by t.rank
    limit ${params.limit}`;
}

/**
 * Ranks week and month from package_downloads and replaces each period's
 * stored ranking whose newest generation is older than `maxAgeSeconds`, in one
 * statement: one pass over the last 60 days' rollup rows serves both periods,
 * and the new generation is inserted and older ones deleted together. Returns
 * the periods ranked.
 */
export async function refreshTrending(db: Queryable, maxAgeSeconds = TRENDING_REFRESH_SECONDS): Promise<string[]> {
  const result = await db.execute<{ ranked: string[] }>(sql`
    with due as (
      select period, days from (values ('week', 7), ('month', 30)) as p(period, days)
      where not exists (
        select 1 from trending_snapshot t
        where t.period = p.period and t.computed_at > now() - make_interval(secs => ${maxAgeSeconds})
      )
    ),
    today as (select (now() at time zone 'utc')::date as d),
    sums as (
      select pd.package_id,
        coalesce(sum(pd.count) filter (where pd.day > today.d - 7), 0) as week_current,
        coalesce(sum(pd.count) filter (where pd.day <= today.d - 7 and pd.day > today.d - 14), 0) as week_previous,
        coalesce(sum(pd.count) filter (where pd.day > today.d - 30), 0) as month_current,
        coalesce(sum(pd.count) filter (where pd.day <= today.d - 30), 0) as month_previous
      from today, package_downloads pd
      where pd.day > today.d - 60 and exists (select 1 from due)
      group by pd.package_id
    ),
    scored as (
      select due.period, s.package_id, p.name, c.current,
        round(((c.current - c.previous) / sqrt(c.previous + 1))::numeric, 3)::float8 as trend_score
      from sums s
      join packages p on p.id = s.package_id and p.latest_version is not null
      cross join due
      cross join lateral (
        select case when due.period = 'week' then s.week_current else s.month_current end as current,
          case when due.period = 'week' then s.week_previous else s.month_previous end as previous
      ) c
      where c.current > 0
    ),
    ranked as (
      select *, row_number() over (partition by period order by trend_score desc, current desc, name) as rank
      from scored
    ),
    stored as (
      insert into trending_snapshot (period, rank, package_id, downloads_period, trend_score, computed_at)
      select period, rank, package_id, current, trend_score, now()
      from ranked where rank <= ${TRENDING_SNAPSHOT_SIZE}
      returning 1
    ),
    replaced as (
      delete from trending_snapshot t using due
      where t.period = due.period and t.computed_at < now()
      returning 1
    )
    select array(select period from due order by period desc) as ranked`);
  return result.rows[0]?.ranked ?? [];
}

export const normaliseTrending = (row: TrendingPackage): TrendingPackage => ({
  name: row.name,
  version: row.version,
  description: row.description,
  downloads_period: Number(row.downloads_period),
  trend_score: Number(row.trend_score),
});
