// Batches download counts for one package and flushes them to Postgres on an
// alarm. Counts live in the object's SQLite storage, so eviction loses none.
//
// A flush first moves `pending` into `batch` under a fresh flush id, then
// applies the batch in one database transaction that claims that id in
// `download_flushes`; the batch is forgotten only after the commit. If the
// flush fails (database down, or the commit landed but the reply was lost),
// the same batch and id are retried on the next alarm: an id already claimed
// means "applied", so nothing is lost and nothing is counted twice. Downloads
// arriving meanwhile go to `pending`, never into an in-flight batch.
import { DurableObject } from 'cloudflare:workers';
import { loadConfig } from '../config';
import { databaseFor } from '../db/client';
import { utcDay } from '../lib/etag';
import { log } from '../lib/log';
import { applyFlush, type PendingCount } from '../services/downloads';

/** How long counts gather before a flush: one database transaction per package per interval at most. */
const FLUSH_DELAY_MS = 30_000;
const MAX_RETRY_DELAY_MS = 10 * 60_000;

export class DownloadCounter extends DurableObject<Env> {
  private failures = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS pending (
        day TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (day, name, version));
      CREATE TABLE IF NOT EXISTS batch (
        flush_id TEXT NOT NULL, day TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (day, name, version));`);
  }

  /** Liveness probe for the binding (test/integration/health.test.ts). */
  async ping(): Promise<string> {
    return 'pong';
  }

  /** Counts one download; `nowMs` exists for tests that need a given day. */
  async record(name: string, version: string, nowMs: number = Date.now()): Promise<void> {
    await this.add(name, version, 1, nowMs);
  }

  /** Counts `count` downloads at once: what one isolate coalesced over a few hundred milliseconds. */
  async add(name: string, version: string, count: number, nowMs: number = Date.now()): Promise<void> {
    if (!Number.isSafeInteger(count) || count < 1) return;
    this.ctx.storage.sql.exec(
      `INSERT INTO pending (day, name, version, count) VALUES (?, ?, ?, ?)
       ON CONFLICT (day, name, version) DO UPDATE SET count = count + excluded.count`,
      utcDay(nowMs),
      name,
      version,
      count,
    );
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
  }

  /** Counts not yet handed to a flush, and those in a flush not yet confirmed. */
  counts(): { pending: PendingCount[]; inFlight: PendingCount[] } {
    const sql = this.ctx.storage.sql;
    return {
      pending: sql
        .exec<PendingCount>('SELECT name, version, day, count FROM pending ORDER BY day, name, version')
        .toArray(),
      inFlight: sql
        .exec<PendingCount>('SELECT name, version, day, count FROM batch ORDER BY day, name, version')
        .toArray(),
    };
  }

  /**
   * Moves pending counts into the batch under a new flush id, unless a batch
   * from a failed flush is still waiting: that one is retried as it was.
   */
  prepareBatch(): { flushId: string; rows: PendingCount[] } | null {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      let [head] = sql.exec<{ flush_id: string }>('SELECT flush_id FROM batch LIMIT 1').toArray();
      if (!head) {
        const moved = sql.exec('SELECT 1 FROM pending LIMIT 1').toArray().length;
        if (moved === 0) return null;
        head = { flush_id: crypto.randomUUID() };
        sql.exec(
          'INSERT INTO batch (flush_id, day, name, version, count) SELECT ?, day, name, version, count FROM pending',
          head.flush_id,
        );
        sql.exec('DELETE FROM pending');
      }
      const rows = sql
        .exec<PendingCount>('SELECT name, version, day, count FROM batch WHERE flush_id = ?', head.flush_id)
        .toArray();
      return { flushId: head.flush_id, rows };
    });
  }

  /** Forgets a batch; only after its transaction committed (or was found already applied). */
  clearBatch(flushId: string): void {
    this.ctx.storage.sql.exec('DELETE FROM batch WHERE flush_id = ?', flushId);
  }

  /** Flushes everything waiting; true when something was written or confirmed. */
  async flush(): Promise<boolean> {
    const batch = this.prepareBatch();
    if (!batch) return false;
    const config = loadConfig(this.env);
    const db = databaseFor(config);
    try {
      await applyFlush(db, batch.flushId, batch.rows);
    } finally {
      await db.close().catch(() => {});
    }
    this.clearBatch(batch.flushId);
    return true;
  }

  override async alarm(): Promise<void> {
    try {
      await this.flush();
      this.failures = 0;
      // Counts that arrived during the flush get their own alarm.
      const waiting = this.ctx.storage.sql.exec('SELECT 1 FROM pending LIMIT 1').toArray().length > 0;
      if (waiting) await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
    } catch (err) {
      // Rescheduled by hand rather than rethrown: the platform gives up on an
      // alarm after a few retries, and these counts must eventually land.
      this.failures += 1;
      const delay = Math.min(FLUSH_DELAY_MS * 2 ** this.failures, MAX_RETRY_DELAY_MS);
      log.error('download flush failed', err, { retry_in_ms: delay });
      await this.ctx.storage.setAlarm(Date.now() + delay);
    }
  }
}
