// Category listings, one statement per page.
//
// Membership rule: a package is in category C when its raven.toml lists C in
// `categories` or names C as one of its `keywords` (exact, lower-case word; a
// description merely mentioning C does not count). Packages with no live
// version are left out. Most downloaded first, then by name.
//
// Cost: `total` is the category's exact counter (src/services/counters.ts), not
// a count of its members; the page is one range of category_ranks' index (the
// category's live packages, most downloaded first), read up to the page's end
// whatever the size of the registry or of the category.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { counter } from './counters';

export const CATEGORIES = ['ui', 'http', 'database', 'testing', 'utilities', 'frameworks', 'tools'] as const;
export type Category = (typeof CATEGORIES)[number];

export const isCategory = (value: string): value is Category => (CATEGORIES as readonly string[]).includes(value);

export type CategoryPackage = {
  name: string;
  version: string;
  description: string;
  downloads: number;
};

export async function categoryPackages(
  db: Queryable,
  params: { category: Category; limit: number; offset: number },
): Promise<{ total: number; packages: CategoryPackage[] }> {
  const result = await db.execute<{ total: number; packages: CategoryPackage[] }>(sql`
    with ranked as (
      select r.package_id from category_ranks r
      where r.category = ${params.category}
      order by r.downloads desc, r.name
      limit ${params.limit} offset ${params.offset}
    ),
    -- Rows come and go with liveness in the same transaction: the check only guards the page's own rows.
    page as (
      select p.name, p.latest_version, p.description, p.downloads
      from ranked r join packages p on p.id = r.package_id
      where p.latest_version is not null
    )
    select
      ${counter(sql`${`category:${params.category}`}::text`)} as total,
      coalesce((
        select json_agg(json_build_object(
          'name', name, 'version', latest_version, 'description', description, 'downloads', downloads
        ) order by downloads desc, name)
        from page
      ), '[]'::json) as packages`);
  const row = result.rows[0];
  return { total: Number(row?.total ?? 0), packages: row?.packages ?? [] };
}
