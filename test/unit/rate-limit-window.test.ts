// The sliding-window algorithm driven by a fake clock, with the same slot
// bookkeeping the Durable Object does (drop dead slots, decide, record a hit).
import { describe, expect, it } from 'vitest';
import {
  decide,
  inspect,
  oldestLiveSlot,
  SLOT_MS,
  type SlotCount,
  slotOf,
  tightestOf,
  type Verdict,
  WINDOW_MS,
} from '../../src/lib/rate-limit-window';

function limiter() {
  let slots: SlotCount[] = [];
  return {
    take(limit: number, now: number): Verdict {
      slots = slots.filter((s) => s.slot >= oldestLiveSlot(now));
      const verdict = decide(slots, limit, now);
      if (verdict.allowed) {
        const current = slots.find((s) => s.slot === slotOf(now));
        if (current) current.hits += 1;
        else slots.push({ slot: slotOf(now), hits: 1 });
      }
      return verdict;
    },
    get slots() {
      return slots;
    },
  };
}

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const MINUTE = 60_000;

describe('sliding window', () => {
  it('allows exactly the limit, counting remaining down, then refuses', () => {
    const l = limiter();
    const seen = Array.from({ length: 5 }, (_, i) => l.take(5, T0 + i * 1000));
    expect(seen.map((v) => v.allowed)).toEqual([true, true, true, true, true]);
    expect(seen.map((v) => v.remaining)).toEqual([4, 3, 2, 1, 0]);
    const refused = l.take(5, T0 + 10_000);
    expect(refused).toMatchObject({ allowed: false, limit: 5, remaining: 0 });
  });

  it('refusals take nothing', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.take(3, T0);
    for (let i = 0; i < 50; i++) l.take(3, T0 + i);
    expect(l.slots.reduce((n, s) => n + s.hits, 0)).toBe(3);
  });

  it('does not allow a second full burst just after an hour boundary', () => {
    const l = limiter();
    const justBefore = T0 + WINDOW_MS - 1000; // 12:59:59
    for (let i = 0; i < 10; i++) expect(l.take(10, justBefore).allowed).toBe(true);
    // A fixed hourly window would reset at 13:00 and allow 10 more here.
    for (const at of [T0 + WINDOW_MS, T0 + WINDOW_MS + MINUTE, T0 + 2 * WINDOW_MS - 1000]) {
      expect(l.take(10, at).allowed).toBe(false);
    }
  });

  it('never admits more than the limit in any rolling hour', () => {
    const l = limiter();
    const limit = 7;
    const allowedAt: number[] = [];
    // A client retrying at irregular moments (1-200 s apart, deterministic) for five hours.
    let seed = 42;
    for (let t = T0; t < T0 + 5 * WINDOW_MS; ) {
      if (l.take(limit, t).allowed) allowedAt.push(t);
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      t += 1000 + (seed % 200_000);
    }
    for (const start of allowedAt) {
      const inHour = allowedAt.filter((t) => t >= start && t < start + WINDOW_MS).length;
      expect(inHour).toBeLessThanOrEqual(limit);
    }
    // ... and it is not starved either: roughly the limit per hour over five hours.
    expect(allowedAt.length).toBeGreaterThanOrEqual(5 * limit - limit);
  });

  it('hits age out: a unit comes back 60 to 61 minutes after it was used', () => {
    const l = limiter();
    const first = T0 + 30_000; // mid-slot
    l.take(2, first);
    l.take(2, first + 20 * MINUTE);
    expect(l.take(2, first + 59 * MINUTE).allowed).toBe(false);
    const back = l.take(2, first + 61 * MINUTE);
    expect(back.allowed).toBe(true);
    expect(back.remaining).toBe(0);
    // The second hit (minute 20) is still counting.
    expect(l.take(2, first + 62 * MINUTE).allowed).toBe(false);
    expect(l.take(2, first + 82 * MINUTE).allowed).toBe(true);
  });

  it('a refusal says exactly when to retry, and the retry then succeeds', () => {
    const l = limiter();
    const first = T0 + 5 * MINUTE + 12_345;
    l.take(1, first);
    const now = first + 40 * MINUTE;
    const refused = l.take(1, now);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfter).toBeGreaterThan(0);
    // Retry-After is rounded up: one second sooner is too early, on time succeeds.
    expect(l.take(1, now + (refused.retryAfter - 1) * 1000).allowed).toBe(false);
    expect(l.take(1, refused.reset * 1000 - 1000).allowed).toBe(false);
    expect(l.take(1, now + refused.retryAfter * 1000).allowed).toBe(true);
    // Never earlier than a full hour after the hit.
    expect(refused.reset * 1000).toBeGreaterThanOrEqual(first + WINDOW_MS);
    expect(refused.reset * 1000).toBeLessThanOrEqual(first + WINDOW_MS + SLOT_MS);
  });

  it('reset on an allowed request is when the oldest hit stops counting', () => {
    const l = limiter();
    l.take(10, T0);
    const v = l.take(10, T0 + 10 * MINUTE);
    expect(v.retryAfter).toBe(0);
    expect(v.reset).toBe((T0 + WINDOW_MS + SLOT_MS) / 1000);
  });

  it('a lowered limit refuses until enough hits have aged out', () => {
    const l = limiter();
    for (let m = 0; m < 6; m++) l.take(100, T0 + m * MINUTE);
    const now = T0 + 30 * MINUTE;
    const refused = l.take(3, now);
    expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
    // Six hits in minutes 0..5; under 3 once minutes 0..3 have expired.
    expect(refused.reset * 1000).toBe(T0 + 3 * MINUTE + WINDOW_MS + SLOT_MS);
  });
});

describe('tightestOf', () => {
  const v = (allowed: boolean, remaining: number, reset = 100): Verdict => ({
    allowed,
    limit: 10,
    remaining,
    reset,
    retryAfter: allowed ? 0 : 5,
  });

  it('prefers a refusal, then the fewest remaining, then the later reset', () => {
    expect(tightestOf([])).toBeUndefined();
    expect(tightestOf([v(true, 0), v(false, 0), v(true, 5)])).toEqual(v(false, 0));
    expect(tightestOf([v(true, 7), v(true, 2), v(true, 5)])).toEqual(v(true, 2));
    expect(tightestOf([v(true, 2, 100), v(true, 2, 300)])).toEqual(v(true, 2, 300));
  });
});

describe('inspect', () => {
  it('answers like decide but takes nothing: remaining is what is left now', () => {
    const now = 10 * WINDOW_MS;
    const live: SlotCount[] = [{ slot: slotOf(now - 5 * SLOT_MS), hits: 2 }];
    expect(inspect([], 3, now)).toMatchObject({ allowed: true, limit: 3, remaining: 3, retryAfter: 0 });
    expect(inspect(live, 3, now)).toMatchObject({ allowed: true, remaining: 1 });
    expect(decide(live, 3, now)).toMatchObject({ allowed: true, remaining: 0 });
    const full: SlotCount[] = [{ slot: slotOf(now - 5 * SLOT_MS), hits: 3 }];
    expect(inspect(full, 3, now)).toEqual(decide(full, 3, now));
    expect(inspect(full, 3, now).allowed).toBe(false);
  });
});
