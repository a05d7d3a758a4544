// One RateLimiter per key (idFromName: `anon:<ip>`, `user:<id>`, ...), so every
// key's decisions are serialised by its object and keys never contend with each
// other. The algorithm (sliding window over minute slots) is in
// src/lib/rate-limit-window.ts; this class keeps its counters in the object's
// SQLite storage, so they survive eviction, and deletes them once idle.
//
// A `user:<id>` object also remembers which of that user's tokens were revoked
// (until each would have expired), so the limiter can refuse to charge a
// revoked token to its owner without any database work: the one object the
// request already consults answers both questions.
import { DurableObject } from 'cloudflare:workers';
import {
  decide,
  inspect,
  oldestLiveSlot,
  SLOT_MS,
  type SlotCount,
  slotExpiresAt,
  slotOf,
  type Verdict,
  WINDOW_MS,
} from '../lib/rate-limit-window';

/** Revoked tokens one user object remembers (see `revoke`). */
export const MAX_REVOKED = 1000;

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
    checkLimit(limit);
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
   * `take` for a request carrying token `tokenId`, unless that token was
   * revoked: then nothing is taken and the caller charges someone else.
   */
  async takeUnlessRevoked(limit: number, tokenId: string, nowMs: number = Date.now()): Promise<Verdict | 'revoked'> {
    checkLimit(limit);
    this.ensureTable();
    const revoked = this.ctx.storage.sql
      .exec('SELECT 1 FROM revoked_tokens WHERE token_id = ? AND expires_at > ?', tokenId, nowMs)
      .toArray();
    if (revoked.length > 0) return 'revoked';
    return this.take(limit, nowMs);
  }

  /**
   * Remembers a revoked token until `expiresAtMs`, after which its JWT no
   * longer verifies anyway. At most MAX_REVOKED are kept, soonest-expiring
   * dropped first, so a user cycling tokens cannot grow the object without
   * bound; a dropped one is only charged to its owner again until requireAuth
   * reports it once more.
   */
  async revoke(tokenId: string, expiresAtMs: number): Promise<void> {
    this.ensureTable();
    const sql = this.ctx.storage.sql;
    sql.exec(
      'INSERT INTO revoked_tokens (token_id, expires_at) VALUES (?, ?) ON CONFLICT (token_id) DO NOTHING',
      tokenId,
      expiresAtMs,
    );
    sql.exec(
      `DELETE FROM revoked_tokens WHERE token_id IN (
         SELECT token_id FROM revoked_tokens ORDER BY expires_at DESC LIMIT -1 OFFSET ?)`,
      MAX_REVOKED,
    );
    await this.ensureAlarm();
  }

  /** The verdict `take` would give, taking nothing (the failed-login limit charges afterwards). */
  async peek(limit: number, nowMs: number = Date.now()): Promise<Verdict> {
    checkLimit(limit);
    if (!this.hasTable()) return inspect([], limit, nowMs);
    const live = this.ctx.storage.sql
      .exec<{ slot: number; hits: number }>(
        'SELECT slot, hits FROM slots WHERE slot >= ? ORDER BY slot',
        oldestLiveSlot(nowMs),
      )
      .toArray();
    return inspect(live, limit, nowMs);
  }

  /** Liveness probe for the binding (test/integration/health.test.ts). */
  async ping(): Promise<string> {
    return 'pong';
  }

  /**
   * Idle clean-up: drops slots that stopped counting and revoked tokens that
   * expired; once none are left the object's storage is deleted outright, so
   * abandoned keys (one per IP ever seen) cost nothing. Otherwise it looks again
   * when the newest slot expires, or, with only revoked tokens left, when the
   * last of them expires.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ensureTable();
    const sql = this.ctx.storage.sql;
    sql.exec('DELETE FROM slots WHERE slot < ?', oldestLiveSlot(now));
    sql.exec('DELETE FROM revoked_tokens WHERE expires_at <= ?', now);
    const newest = sql.exec<{ slot: number | null }>('SELECT max(slot) AS slot FROM slots').one().slot;
    const lastRevoked = sql.exec<{ at: number | null }>('SELECT max(expires_at) AS at FROM revoked_tokens').one().at;
    if (newest === null && lastRevoked === null) {
      await this.ctx.storage.deleteAll();
      await this.ctx.storage.deleteAlarm();
      this.tableReady = false;
      this.alarmPending = false;
      return;
    }
    const next = newest !== null ? slotExpiresAt(newest) : (lastRevoked ?? now);
    await this.ctx.storage.setAlarm(Math.max(next, now + SLOT_MS));
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
    this.ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS revoked_tokens (token_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID',
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

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
}
