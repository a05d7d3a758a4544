// Reads for the website where the API has no single statement with the same
// data: the package page (package, chosen version, owners, publisher, versions,
// dependents and 90 days of downloads) and the home page's lists. One
// statement each; every list is bounded, so nothing grows with the registry.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { iso, takedownOf, visibleVersion } from '../db/fragments';
import type { Takedown } from '../errors';
import type { Provenance } from '../lib/trusted-claims';
import { counter } from './counters';
import type { ManifestText } from './packages';
import { type RegistryStats, registryStatsQuery, toRegistryStats } from './stats';
import { normaliseTrending, type TrendingPackage, trendingQuery } from './trending';

/** Days in the package page's downloads chart, today (UTC) included. */
const CHART_DAYS = 90;
/** The package page lists at most this many dependents (the total is counted). */
const DEPENDENTS_SHOWN = 100;

export type PackagePageRow = ManifestText & {
  name: string;
  latest_version: string;
  downloads: number;
  created_at: string;
  deprecated: { message: string; deprecated_at: string } | null;
  /** Operators took the package down: the page says so and why, nothing else. */
  taken_down: Takedown | null;
  owners: { username: string; role: 'owner' | 'maintainer' }[];
  /** The requested version, else the latest (else the newest published, when all are yanked); null when none matches. */
  version:
    | (ManifestText & {
        version: string;
        authors: string[];
        dependencies: Record<string, unknown>;
        dev_dependencies: Record<string, unknown>;
        readme_html: string | null;
        checksum: string;
        size_bytes: number;
        published_at: string;
        published_by: string | null;
        /** Where a trusted-publishing (CI) version was built; null for ordinary publishes. */
        provenance: Provenance | null;
        yanked: boolean;
        yanked_at: string | null;
        prerelease: boolean;
        downloads: number;
        /** This version (or its package) was taken down. */
        taken_down: Takedown | null;
      })
    | null;
  versions: { version: string; published_at: string; yanked: boolean; prerelease: boolean; downloads: number }[];
  dependents: { name: string; version: string; description: string }[];
  dependents_total: number;
  /** Downloads per UTC day, oldest first, CHART_DAYS entries ending today. */
  daily: number[];
};

export async function packagePage(
  db: Queryable,
  name: string,
  version: string | null,
): Promise<PackagePageRow | undefined> {
  // Read once per page from the maintained counters (c, below): the dependents' total and which way to list them.
  const manyDependents = sql`(c.dependents * c.dependents > ${DEPENDENTS_SHOWN} * c.packages)`;
  // The latest version's README is read from the package row (packages.readme_html).
  const readme = version === null ? sql`coalesce(p.readme_html, v.readme_html)` : sql`v.readme_html`;
  const pick =
    version === null
      ? sql`v.version = p.latest_version or (p.latest_version is null and v.id = (
          select n.id from versions n where n.package_id = p.id and ${visibleVersion('n')}
          order by n.published_at desc limit 1))`
      : sql`v.version = ${version}`;
  const result = await db.execute<PackagePageRow>(sql`
    select p.name, p.description, p.license, coalesce(p.repository, '') as repository,
      coalesce(p.homepage, '') as homepage, p.keywords, p.categories,
      coalesce(p.latest_version, '') as latest_version, p.downloads::float8 as downloads,
      ${iso('p.created_at')} as created_at,
      case when p.deprecated_at is not null then json_build_object(
        'message', coalesce(p.deprecation_message, ''), 'deprecated_at', ${iso('p.deprecated_at')}) end as deprecated,
      ${takedownOf('p')} as taken_down,
      coalesce((
        select json_agg(json_build_object('username', u.username, 'role', o.role) order by o.role desc, o.added_at, u.username)
        from package_owners o join users u on u.id = o.user_id where o.package_id = p.id
      ), '[]'::json) as owners,
      (
        select json_build_object(
          'version', v.version, 'description', v.description, 'license', v.license,
          'repository', coalesce(v.repository, ''), 'homepage', coalesce(v.homepage, ''),
          'keywords', v.keywords, 'categories', v.categories, 'authors', v.authors,
          'dependencies', v.dependencies, 'dev_dependencies', v.dev_dependencies,
          'readme_html', ${readme}, 'checksum', v.checksum, 'size_bytes', v.size_bytes,
          'published_at', ${iso('v.published_at')}, 'published_by', pb.username, 'provenance', v.provenance,
          'yanked', v.yanked, 'yanked_at', ${iso('v.yanked_at')}, 'prerelease', v.is_prerelease,
          'downloads', v.downloads, 'taken_down', ${takedownOf('p', 'v')})
        from versions v left join users pb on pb.id = v.published_by
        where v.package_id = p.id and (${pick})
        limit 1
      ) as version,
      coalesce((
        select json_agg(json_build_object('version', v.version, 'published_at', ${iso('v.published_at')},
          'yanked', v.yanked, 'prerelease', v.is_prerelease, 'downloads', v.downloads))
        from versions v where v.package_id = p.id and ${visibleVersion('v')}
      ), '[]'::json) as versions,
      -- The most downloaded dependents, by whichever way reads fewer rows (only one branch runs): with
      -- c dependents among n packages, walking the downloads ordering finds the first k (shown) after
      -- about k·n/c packages, while the dependencies index finds all c and sorts them.
      coalesce((
        select json_agg(json_build_object('name', d.name, 'version', d.version, 'description', d.description))
        from (
          select * from (
            select dp.name, dp.latest_version as version, dp.description
            from package_ranks r join packages dp on dp.id = r.package_id
            where ${manyDependents} and r.live and dp.latest_dependencies @> array[p.name] and dp.id <> p.id
            order by r.downloads desc, r.name
            limit ${DEPENDENTS_SHOWN}
          ) walked
          union all
          select * from (
            select dp.name, dp.latest_version as version, dp.description
            from versions lv join packages dp on dp.id = lv.package_id and dp.latest_version = lv.version
            where not ${manyDependents} and lv.dependencies ? p.name and dp.id <> p.id
            order by dp.downloads desc, dp.name
            limit ${DEPENDENTS_SHOWN}
          ) found
        ) d
      ), '[]'::json) as dependents,
      -- The maintained counter package stats reads, not a count of every dependent's row.
      c.dependents as dependents_total,
      (
        select json_agg(coalesce(per_day.n, 0) order by days.day)
        from generate_series(
          (now() at time zone 'utc')::date - ${CHART_DAYS - 1}::int, (now() at time zone 'utc')::date, interval '1 day'
        ) as days(day)
        left join (
          select vd.day, sum(vd.count)::float8 as n
          from version_downloads vd join versions dv on dv.id = vd.version_id
          where dv.package_id = p.id and vd.day > (now() at time zone 'utc')::date - ${CHART_DAYS}::int
          group by vd.day
        ) per_day on per_day.day = days.day::date
      ) as daily
    from packages p
    cross join lateral (
      select ${counter(sql`'dependents:' || p.name`)} as dependents, ${counter(sql`'packages'`)} as packages
    ) c
    where p.name = ${name}`);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    ...row,
    downloads: Number(row.downloads),
    dependents_total: Number(row.dependents_total),
    daily: (row.daily ?? []).map(Number),
  };
}

type ListedPackage = { name: string; version: string; description: string; downloads: number; at: string };

export type HomePageData = {
  stats: RegistryStats;
  newest: ListedPackage[];
  updated: ListedPackage[];
  most_downloaded: ListedPackage[];
  trending: TrendingPackage[];
};

/**
 * Everything the home page shows in one statement: the registry totals and the
 * trending week exactly as /stats and /packages/trending compute them (their
 * statements embedded whole), plus three lists of live packages, `limit` each.
 */
export async function homePage(db: Queryable, limit: number): Promise<HomePageData> {
  // Each list reads `limit` entries of an index: newest and updated from packages' partial indexes on
  // created_at and updated_at, most downloaded by walking package_ranks (as trending `all` does).
  const list = (order: string, at: string, walk = { from: sql`packages p`, order }) =>
    sql`coalesce((
      select json_agg(json_build_object('name', name, 'version', latest_version, 'description', description,
        'downloads', downloads, 'at', ${iso(at)}) order by ${sql.raw(order)})
      from (
        select p.name, p.latest_version, p.description, p.downloads, p.created_at, p.updated_at from ${walk.from}
        where p.latest_version is not null
        order by ${sql.raw(walk.order)} limit ${limit}
      ) t
    ), '[]'::json)`;
  const ranked = {
    from: sql`package_ranks r join packages p on p.id = r.package_id and r.live`,
    order: 'r.downloads desc, r.name',
  };
  const result = await db.execute<Omit<HomePageData, 'stats'> & { stats: RegistryStats }>(sql`
    select (select row_to_json(s) from (${registryStatsQuery()}) s) as stats,
      ${list('created_at desc, name', 'created_at')} as newest,
      ${list('updated_at desc, name', 'updated_at')} as updated,
      ${list('downloads desc, name', 'created_at', ranked)} as most_downloaded,
      coalesce((
        select json_agg(t order by t.trend_score desc, t.downloads_period desc, t.name)
        from (${trendingQuery({ period: 'week', limit })}) t
      ), '[]'::json) as trending`);
  const row = result.rows[0];
  return {
    stats: toRegistryStats(row?.stats),
    newest: row?.newest ?? [],
    updated: row?.updated ?? [],
    most_downloaded: row?.most_downloaded ?? [],
    trending: (row?.trending ?? []).map(normaliseTrending),
  };
}
