// READMEs of versions published before rendering existed get rendered by the
// cron sweeper, a bounded batch per run, so the backlog drains over minutes
// without one run doing unbounded work. Idempotent: only rows still without
// HTML are written, so overlapping runs and reruns change nothing twice.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { renderReadme } from '../lib/readme';

const README_BACKFILL_BATCH = 50;

/** Renders one batch; returns the package name of every version it rendered (for the cache purge). */
export async function backfillReadmes(db: Queryable, limit = README_BACKFILL_BATCH): Promise<string[]> {
  const pending = await db.execute<{ id: string; readme: string; repository: string | null }>(sql`
    select id, readme, repository from versions
    where readme is not null and readme_html is null
    order by id limit ${limit}`);
  if (pending.rows.length === 0) return [];
  const rendered = pending.rows.map((v) => ({ id: v.id, html: renderReadme(v.readme, v.repository).html }));
  // One statement: the versions, then the package copy when that version is the latest.
  const result = await db.execute<{ name: string }>(sql`
    with rendered as (
      select * from json_to_recordset(${JSON.stringify(rendered)}::json) as r(id uuid, html text)
    ), done as (
      update versions v set readme_html = rendered.html from rendered
      where v.id = rendered.id and v.readme_html is null
      returning v.id, v.package_id, v.version, v.readme_html
    ), copied as (
      update packages p set readme_html = done.readme_html from done
      where p.id = done.package_id and p.latest_version = done.version
    )
    select p.name from done join packages p on p.id = done.package_id`);
  return result.rows.map((r) => r.name);
}
