// Download counting. The request path only hands a count to the package's
// DownloadCounter object (no database work); the object flushes its batch here,
// in one transaction that first claims the flush id, so a retried flush whose
// first attempt did commit is recognised and never counted twice.
import { sql } from 'drizzle-orm';
import type { Database, Queryable } from '../db/client';
import { downloadFlushes } from '../db/schema';
import { log } from '../lib/log';

export type PendingCount = {
  name: string;
  version: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  count: number;
};

/** One object per package: hot packages don't contend with each other, and each object's batch stays small. */
export function downloadCounterFor(env: Env, name: string) {
  return env.DOWNLOAD_COUNTER.get(env.DOWNLOAD_COUNTER.idFromName(`package:${name}`));
}

/** Downloads counted by this isolate and not yet handed over: package -> version -> count. */
const coalescing = new Map<string, Map<string, number>>();

/**
 * How long an isolate gathers downloads of one package before handing them to
 * the package's counter in one call. A Durable Object call per download cost
 * a warm (edge-cached) download half its throughput; gathering for a moment
 * turns a burst of downloads into one call per version.
 */
export const COALESCE_MS = 250;

/**
 * Counts one download off the request path. The first download of a burst
 * schedules the hand-over under its request's waitUntil, which keeps the
 * isolate alive until the counts are with the Durable Object. A lost count is
 * logged, never turned into a failed download.
 */
export function countDownload(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, name: string, version: string) {
  let versions = coalescing.get(name);
  if (!versions) {
    versions = new Map();
    coalescing.set(name, versions);
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, COALESCE_MS)).then(() => handOver(env, name)));
  }
  versions.set(version, (versions.get(version) ?? 0) + 1);
}

async function handOver(env: Env, name: string): Promise<void> {
  const versions = coalescing.get(name);
  coalescing.delete(name);
  if (!versions) return;
  const counter = downloadCounterFor(env, name);
  await Promise.all(
    [...versions].map(([version, count]) =>
      counter.add(name, version, count).catch((err: unknown) => {
        log.error('downloads not counted', err, { name, version, count });
      }),
    ),
  );
}

/**
 * Applies a batch once: returns false when this flush id was already applied
 * (the caller then just forgets the batch). Counts for versions that no longer
 * exist are dropped.
 */
export async function applyFlush(db: Database, flushId: string, rows: PendingCount[]): Promise<boolean> {
  return db.transaction(async (tx) => {
    const claimed = await tx
      .insert(downloadFlushes)
      .values({ id: flushId })
      .onConflictDoNothing()
      .returning({ id: downloadFlushes.id });
    if (claimed.length === 0) return false;
    if (rows.length === 0) return true;
    // Trending's daily rollup, the registry's download counter and the
    // downloads ordering follow in the cron (src/queue/rollups.ts), not here.
    await tx.execute(sql`
      with input as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as t(name text, version text, day date, count bigint)
      ), resolved as (
        select v.id as version_id, v.package_id, i.day, i.count
        from input i
        join packages p on p.name = i.name
        join versions v on v.package_id = p.id and v.version = i.version
      ), per_day as (
        insert into version_downloads (version_id, day, count)
        select version_id, day, sum(count) from resolved group by version_id, day
        on conflict (version_id, day) do update set count = version_downloads.count + excluded.count
        returning 1
      ), per_version as (
        update versions v set downloads = v.downloads + r.n
        from (select version_id, sum(count) as n from resolved group by version_id) r
        where v.id = r.version_id
        returning 1
      ), per_package as (
        update packages p set downloads = p.downloads + r.n
        from (select package_id, sum(count) as n from resolved group by package_id) r
        where p.id = r.package_id
        returning 1
      )
      select (select count(*) from per_day) + (select count(*) from per_version) + (select count(*) from per_package)`);
    return true;
  });
}

/**
 * How long applied flush ids are remembered. A batch whose commit was not
 * acknowledged is retried within minutes (the counter's retry delay is capped
 * at ten), so two days is a wide margin; older ids only take space.
 */
export const FLUSH_RETENTION_HOURS = 48;

/** Forgets applied flush ids past FLUSH_RETENTION_HOURS, oldest first, at most `limit` per call. */
export async function pruneFlushes(db: Queryable, limit = 5000): Promise<number> {
  const result = await db.execute<{ n: number }>(sql`
    with gone as (
      delete from download_flushes where id in (
        select id from download_flushes
        where created_at < now() - ${FLUSH_RETENTION_HOURS}::int * interval '1 hour'
        order by created_at
        limit ${limit}::int
      )
      returning 1
    )
    select count(*)::int as n from gone`);
  return Number(result.rows[0]?.n ?? 0);
}
