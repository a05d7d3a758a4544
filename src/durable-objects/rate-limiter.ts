// One RateLimiter per key (idFromName: `anon:<ip>`, `user:<id>`, ...), so every
// key's decisions are serialised by its object and keys never contend with each
// other. The algorithm (sliding window over minute slots) is in
// src/lib/rate-limit-window.ts; this class keeps its counters in the object's
// SQLite storage, so they survive eviction, and deletes them once idle.
import { DurableObject } from 'cloudflare:workers';
import {
  decide,
  oldestLiveSlot,
  SLOT_MS,
  type SlotCount,
  slotExpiresAt,
  slotOf,
  type Verdict,
  WINDOW_MS,
} from '../lib/rate-limit-window';

export class RateLimiter extends DurableObject<Env> {
  private tableReady = false;
  /** Whether a clean-up alarm is known to be pending; undefined until checked. */
  private alarmPending: boolean | undefined;

  /**
   * Takes one unit if the key is under `limit` (the caller passes it, so Worker
   * variables apply). `nowMs` exists for tests that drive the clock; the Worker
   * never passes it.
   */
  async take(limit: number, nowMs: number = Date.now()): Promise<Verdict> {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
    // Atomic without transactions: everything from the read to the write is
    // synchronous, and an object runs one event at a time, so concurrent calls
    // cannot interleave between counting and recording.
    const sql = this.ctx.storage.sql;
    this.ensureTable();
    sql.exec('DELETE FROM slots WHERE slot < ?', oldestLiveSlot(nowMs));
    const live = sql.exec<{ slot: number; hits: number }>('SELECT slot, hits FROM slots ORDER BY slot').toArray();
    const verdict = decide(live, limit, nowMs);
    if (verdict.allowed) {
      sql.exec(
        'INSERT INTO slots (slot, hits) VALUES (?, 1) ON CONFLICT (slot) DO UPDATE SET hits = hits + 1',
        slotOf(nowMs),
      );
      await this.ensureAlarm();
    }
    return verdict;
  }

  /**
   * What `take` would answer, without taking: lets a caller refuse early (a
   * publish before its upload) and take later, once, when the action happens.
   */
  async peek(limit: number, nowMs: number = Date.now()): Promise<Verdict> {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
    // No table yet means no hits; creating one here would leave storage behind with no alarm to clear it.
    if (!this.tableReady && !this.hasTable()) return decide([], limit, nowMs);
    const live = this.ctx.storage.sql
      .exec<{ slot: number; hits: number }>(
        'SELECT slot, hits FROM slots WHERE slot >= ? ORDER BY slot',
        oldestLiveSlot(nowMs),
      )
      .toArray();
    return decide(live, limit, nowMs);
  }

  /** Liveness probe for the binding (test/integration/health.test.ts). */
  async ping(): Promise<string> {
    return 'pong';
  }

  /**
   * Idle clean-up: drops slots that stopped counting; once none are left the
   * object's storage is deleted outright, so abandoned keys (one per IP ever
   * seen) cost nothing. Otherwise it looks again when the newest slot expires.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ensureTable();
    const sql = this.ctx.storage.sql;
    sql.exec('DELETE FROM slots WHERE slot < ?', oldestLiveSlot(now));
    const newest = sql.exec<{ slot: number | null }>('SELECT max(slot) AS slot FROM slots').one().slot;
    if (newest === null) {
      await this.ctx.storage.deleteAll();
      await this.ctx.storage.deleteAlarm();
      this.tableReady = false;
      this.alarmPending = false;
      return;
    }
    await this.ctx.storage.setAlarm(Math.max(slotExpiresAt(newest), now + SLOT_MS));
    this.alarmPending = true;
  }

  /** Rows of the key's live slots, for tests and debugging. */
  async slots(): Promise<SlotCount[]> {
    if (!this.hasTable()) return [];
    return this.ctx.storage.sql
      .exec<{ slot: number; hits: number }>('SELECT slot, hits FROM slots ORDER BY slot')
      .toArray();
  }

  private ensureTable(): void {
    if (this.tableReady) return;
    this.ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS slots (slot INTEGER PRIMARY KEY, hits INTEGER NOT NULL) WITHOUT ROWID',
    );
    this.tableReady = true;
  }

  private hasTable(): boolean {
    return (
      this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'slots'").toArray()
        .length > 0
    );
  }

  /**
   * One alarm per busy key, not one write per request: set when the first hit
   * lands, and the alarm re-arms itself while the key stays in use. The first
   * firing is a full window after now, when every hit recorded so far has expired.
   */
  private async ensureAlarm(): Promise<void> {
    if (this.alarmPending) return;
    this.alarmPending = true;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + WINDOW_MS + SLOT_MS);
    }
  }
}
