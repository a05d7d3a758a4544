// The rate-limit algorithm, free of storage so it can be tested with a clock.
//
// Sliding window over one-minute slots. Each key keeps a hit count per minute
// ("slot"); a request is allowed while the hits of the last 61 slots (the
// current minute plus the 60 before it) are under the limit. Why this shape:
//   - A fixed hourly window lets a client spend the limit at 12:59 and again at
//     13:00, twice the limit within a minute. Here a hit keeps counting for at
//     least a full hour, so no rolling hour ever admits more than the limit.
//     (Counting 61 slots, not 60, is what makes that exact: a rolling hour can
//     touch 61 slots.) The price is that a unit comes back 60-61 minutes after
//     use instead of exactly 60.
//   - A token bucket / GCRA sized "limit per hour" refills continuously, so a
//     client that bursts the whole limit and then keeps pace gets almost twice
//     the limit in its first hour; the contract says "60 requests/hour".
//   - An exact log of timestamps would hold up to 5000 rows per user; slots hold
//     at most 61 counters per key, whatever the limit.
// Refused requests take nothing, so a client that keeps retrying still recovers.

export const WINDOW_MS = 60 * 60 * 1000;
export const SLOT_MS = 60 * 1000;
/** Slots before the current one that still count. */
const PAST_SLOTS = WINDOW_MS / SLOT_MS;

export interface SlotCount {
  slot: number;
  hits: number;
}

/** What the limiter answers; `reset` in unix seconds, `retryAfter` in seconds (0 when allowed). */
export interface Verdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  reset: number;
  retryAfter: number;
}

export const slotOf = (nowMs: number): number => Math.floor(nowMs / SLOT_MS);

/** Slots older than this no longer count at `nowMs`. */
export const oldestLiveSlot = (nowMs: number): number => slotOf(nowMs) - PAST_SLOTS;

/** The moment a slot's hits stop counting. */
export const slotExpiresAt = (slot: number): number => (slot + PAST_SLOTS + 1) * SLOT_MS;

/**
 * Decides one request against the live slots (ascending by slot, none older than
 * `oldestLiveSlot(nowMs)`). The caller records a hit in `slotOf(nowMs)` when allowed.
 */
export function decide(live: readonly SlotCount[], limit: number, nowMs: number): Verdict {
  const used = live.reduce((sum, s) => sum + s.hits, 0);
  const allowed = used < limit;
  const after = allowed ? [...live, { slot: slotOf(nowMs), hits: 1 }] : live;
  const total = allowed ? used + 1 : used;
  const resetMs = nextRoomAt(after, total, limit) ?? nowMs;
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - total),
    reset: Math.ceil(resetMs / 1000),
    retryAfter: allowed ? 0 : Math.max(1, Math.ceil((resetMs - nowMs) / 1000)),
  };
}

/**
 * What `decide` would answer, without taking a unit: `remaining` is what is
 * left now. For limits that charge only some requests after the fact (failed
 * logins), checked before the costly work.
 */
export function inspect(live: readonly SlotCount[], limit: number, nowMs: number): Verdict {
  const used = live.reduce((sum, s) => sum + s.hits, 0);
  if (used >= limit) return decide(live, limit, nowMs);
  const resetMs = nextRoomAt(live, used, limit) ?? nowMs;
  return { allowed: true, limit, remaining: limit - used, reset: Math.ceil(resetMs / 1000), retryAfter: 0 };
}

/**
 * When `remaining` next grows: walking slots oldest first, the expiry of the
 * first one whose hits, once gone, leave the total under the limit. For a
 * refused request that is exactly when a retry succeeds.
 */
function nextRoomAt(slots: readonly SlotCount[], total: number, limit: number): number | undefined {
  let left = total;
  for (const { slot, hits } of slots) {
    if (hits <= 0) continue;
    left -= hits;
    if (left < limit) return slotExpiresAt(slot);
  }
  return undefined;
}

/** The verdict a client should heed: a refusal first, then the fewest units left. */
export function tightestOf(verdicts: readonly Verdict[]): Verdict | undefined {
  let tightest: Verdict | undefined;
  for (const v of verdicts) {
    if (!tightest) tightest = v;
    else if (v.allowed !== tightest.allowed) tightest = v.allowed ? tightest : v;
    else if (v.remaining !== tightest.remaining) tightest = v.remaining < tightest.remaining ? v : tightest;
    else if (v.reset > tightest.reset) tightest = v;
  }
  return tightest;
}
