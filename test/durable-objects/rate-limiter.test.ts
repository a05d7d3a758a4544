// The RateLimiter object itself, over real RPC and its real SQLite storage.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_REVOKED, type RateLimiter } from '../../src/durable-objects/rate-limiter';
import { WINDOW_MS } from '../../src/lib/rate-limit-window';
import { unique } from '../helpers/factories';

const limiterFor = (name: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
const MINUTE = 60_000;

describe('RateLimiter', () => {
  it('takes one unit per call and answers allowed, limit, remaining, reset', async () => {
    const limiter = limiterFor(unique('do-basic'));
    const before = Date.now();
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await limiter.take(3));
    expect(verdicts.map((v) => [v.allowed, v.limit, v.remaining])).toEqual([
      [true, 3, 2],
      [true, 3, 1],
      [true, 3, 0],
      [false, 3, 0],
    ]);
    const refused = verdicts[3]!;
    // The first hit comes back 60-61 minutes from now.
    expect(refused.reset * 1000).toBeGreaterThanOrEqual(before + WINDOW_MS);
    expect(refused.reset * 1000).toBeLessThanOrEqual(Date.now() + WINDOW_MS + MINUTE + 1000);
    expect(refused.retryAfter).toBeGreaterThanOrEqual(refused.reset - Math.ceil(Date.now() / 1000));
    expect(refused.retryAfter).toBeLessThanOrEqual(refused.reset - Math.floor(before / 1000));
  });

  it('peeks: answers what take would, takes nothing, and leaves no storage on an unused key', async () => {
    const limiter = limiterFor(unique('do-peek'));
    expect(await limiter.peek(2)).toMatchObject({ allowed: true, limit: 2, remaining: 2 });
    expect(await limiter.slots()).toEqual([]);
    await limiter.take(2);
    await limiter.take(2);
    const peeked = await limiter.peek(2);
    expect(peeked).toMatchObject({ allowed: false, remaining: 0 });
    expect(peeked.retryAfter).toBeGreaterThan(0);
    expect((await limiter.slots()).reduce((n, s) => n + s.hits, 0)).toBe(2);
    expect(await limiter.take(2)).toMatchObject({ allowed: false, reset: peeked.reset });
  });

  it('keeps its counts in storage across eviction', async () => {
    const limiter = limiterFor(unique('do-evict'));
    await limiter.take(3);
    await limiter.take(3);
    await evictDurableObject(limiter);
    expect(await limiter.take(3)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.take(3)).allowed).toBe(false);
  });

  it('slides: hits age out an hour after they were taken', async () => {
    const limiter = limiterFor(unique('do-slide'));
    const t0 = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * WINDOW_MS;
    expect((await limiter.take(2, t0)).allowed).toBe(true);
    expect((await limiter.take(2, t0 + 20 * MINUTE)).allowed).toBe(true);
    expect((await limiter.take(2, t0 + 59 * MINUTE)).allowed).toBe(false);
    expect((await limiter.take(2, t0 + 61 * MINUTE)).allowed).toBe(true);
    expect((await limiter.take(2, t0 + 62 * MINUTE)).allowed).toBe(false);
    expect((await limiter.take(2, t0 + 81 * MINUTE)).allowed).toBe(true);
  });

  it('never lets more than the limit through when called concurrently', async () => {
    const limiter = limiterFor(unique('do-race'));
    const verdicts = await Promise.all(Array.from({ length: 120 }, () => limiter.take(25)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(25);
    const remaining = verdicts.filter((v) => v.allowed).map((v) => v.remaining);
    expect(new Set(remaining).size).toBe(25);
    expect((await limiter.slots()).reduce((n, s) => n + s.hits, 0)).toBe(25);
  });

  it('applies the limit passed with each call, so a changed variable takes effect at once', async () => {
    const limiter = limiterFor(unique('do-limit'));
    for (let i = 0; i < 3; i++) await limiter.take(3);
    expect((await limiter.take(3)).allowed).toBe(false);
    expect(await limiter.take(5)).toMatchObject({ allowed: true, limit: 5, remaining: 1 });
    expect(await limiter.take(2)).toMatchObject({ allowed: false, limit: 2, remaining: 0 });
  });

  it('keys are independent objects', async () => {
    const a = limiterFor(unique('do-key-a'));
    const b = limiterFor(unique('do-key-b'));
    await a.take(1);
    expect((await a.take(1)).allowed).toBe(false);
    expect((await b.take(1)).allowed).toBe(true);
  });

  it('rejects a limit that is not a positive integer', async () => {
    const limiter = limiterFor(unique('do-bad'));
    // Called on the instance, not over RPC: every rejecting RPC leaks an unhandled
    // rejection under the vitest plugin (cloudflare/workers-sdk#14736).
    await runInDurableObject(limiter, async (instance: RateLimiter) => {
      for (const bad of [0, -1, 1.5, Number.NaN]) await expect(instance.take(bad)).rejects.toThrow(/positive integer/);
    });
    expect(await limiter.slots()).toEqual([]);
  });

  it('the alarm deletes an idle key outright', async () => {
    const limiter = limiterFor(unique('do-idle'));
    // Hits taken two hours ago: idle by now.
    const longAgo = Date.now() - 2 * WINDOW_MS;
    await limiter.take(10, longAgo);
    await limiter.take(10, longAgo + MINUTE);
    expect(await limiter.slots()).toHaveLength(2);
    expect(await runInDurableObject(limiter, (_, state) => state.storage.getAlarm())).not.toBeNull();

    expect(await runDurableObjectAlarm(limiter)).toBe(true);

    const left = await runInDurableObject(limiter, async (_, state) => ({
      tables: state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'slots'")
        .toArray(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(left).toEqual({ tables: [], alarm: null });
    // The key starts afresh and arms a new alarm.
    expect(await limiter.take(10)).toMatchObject({ allowed: true, remaining: 9 });
    expect(await runInDurableObject(limiter, (_, state) => state.storage.getAlarm())).not.toBeNull();
  });

  it('the alarm keeps a key that is still in use and looks again later', async () => {
    const limiter = limiterFor(unique('do-busy'));
    const longAgo = Date.now() - 2 * WINDOW_MS;
    await limiter.take(10, longAgo);
    await limiter.take(10);

    expect(await runDurableObjectAlarm(limiter)).toBe(true);

    const slots = await limiter.slots();
    expect(slots.map((s) => s.hits)).toEqual([1]);
    const next = await runInDurableObject(limiter, (_, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThanOrEqual(Date.now() + WINDOW_MS - MINUTE);
    expect(await limiter.take(10)).toMatchObject({ allowed: true, remaining: 8 });
  });

  it('takeUnlessRevoked takes like take until the token is revoked, then takes nothing', async () => {
    const limiter = limiterFor(unique('do-revoke'));
    expect(await limiter.takeUnlessRevoked(5, 'tok-a')).toMatchObject({ allowed: true, remaining: 4 });
    await limiter.revoke('tok-a', Date.now() + WINDOW_MS);
    expect(await limiter.takeUnlessRevoked(5, 'tok-a')).toBe('revoked');
    expect(await limiter.takeUnlessRevoked(5, 'tok-b')).toMatchObject({ allowed: true, remaining: 3 });
    // Once the token would have expired anyway, the record no longer applies.
    expect(await limiter.takeUnlessRevoked(5, 'tok-a', Date.now() + WINDOW_MS + MINUTE)).not.toBe('revoked');
  });

  it('remembers revocations across eviction, and the alarm keeps them until they expire', async () => {
    const limiter = limiterFor(unique('do-revoke-alarm'));
    await limiter.revoke('tok-old', Date.now() - MINUTE);
    await limiter.revoke('tok-live', Date.now() + 3 * WINDOW_MS);
    await evictDurableObject(limiter);
    expect(await runDurableObjectAlarm(limiter)).toBe(true);
    expect(await limiter.takeUnlessRevoked(5, 'tok-live')).toBe('revoked');
    const left = await runInDurableObject(limiter, async (_, state) => ({
      rows: state.storage.sql.exec('SELECT token_id FROM revoked_tokens').toArray(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(left.rows).toEqual([{ token_id: 'tok-live' }]);
    expect(left.alarm).not.toBeNull();
  });

  it('the alarm deletes a key whose only revoked tokens have expired', async () => {
    const limiter = limiterFor(unique('do-revoke-idle'));
    await limiter.revoke('tok', Date.now() - MINUTE);
    expect(await runDurableObjectAlarm(limiter)).toBe(true);
    const tables = await runInDurableObject(limiter, (_, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray(),
    );
    expect(tables.filter((t) => ['slots', 'revoked_tokens'].includes(String(t.name)))).toEqual([]);
  });

  it('keeps at most MAX_REVOKED revocations, dropping the soonest to expire', async () => {
    const limiter = limiterFor(unique('do-revoke-cap'));
    const base = Date.now() + WINDOW_MS;
    await runInDurableObject(limiter, async (instance: RateLimiter) => {
      for (let i = 0; i <= MAX_REVOKED; i++) await instance.revoke(`tok-${i}`, base + i * MINUTE);
    });
    const count = await runInDurableObject(
      limiter,
      (_, state) => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM revoked_tokens').one().n,
    );
    expect(count).toBe(MAX_REVOKED);
    expect(await limiter.takeUnlessRevoked(5, 'tok-0')).not.toBe('revoked');
    expect(await limiter.takeUnlessRevoked(5, `tok-${MAX_REVOKED}`)).toBe('revoked');
  });

  it('peek answers what take would, without taking', async () => {
    const limiter = limiterFor(unique('do-peek'));
    expect(await limiter.peek(2)).toMatchObject({ allowed: true, limit: 2, remaining: 2 });
    await limiter.take(2);
    expect(await limiter.peek(2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.peek(2)).toMatchObject({ allowed: true, remaining: 1 });
    await limiter.take(2);
    const full = await limiter.peek(2);
    expect(full).toMatchObject({ allowed: false, remaining: 0 });
    expect(full.retryAfter).toBeGreaterThan(0);
    expect(await limiter.slots()).toEqual([expect.objectContaining({ hits: 2 })]);
  });
});
