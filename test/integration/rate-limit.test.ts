// Rate limits end to end through the Worker's fetch handler, with the real
// RateLimiter objects. Where a test needs a bucket nearly spent, it spends it
// inside the object itself (fast) and then crosses the limit over HTTP.
import { env, listDurableObjectIds, runInDurableObject } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../src/durable-objects/rate-limiter';
import { bucketKeys } from '../../src/lib/rate-limit-rules';
import { call, uniqueIp } from '../helpers/client';
import { withDb } from '../helpers/db';
import { createUser, type TestUser, unique } from '../helpers/factories';
import { callWith, expectRefusal, limitHeaders } from '../helpers/rate-limit';

const limiterFor = (key: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));

/** Takes `n` units from a bucket directly, as `n` earlier requests would have. */
async function spend(key: string, limit: number, n: number): Promise<void> {
  // Inside the object rather than n RPC round trips: 5000 of those take seconds.
  const allowed = await runInDurableObject(limiterFor(key), async (instance: RateLimiter) => {
    let count = 0;
    for (let i = 0; i < n; i++) if ((await instance.take(limit)).allowed) count += 1;
    return count;
  });
  expect(allowed).toBe(Math.min(n, limit));
}

let user: TestUser;
beforeAll(async () => {
  user = await createUser('rl');
});

describe('anonymous requests', () => {
  it('the 61st request from one IP in an hour is refused with the contract 429', async () => {
    const ip = uniqueIp();
    const path = `/users/${user.username}`;
    const before = Math.floor(Date.now() / 1000);
    for (let i = 1; i <= 60; i++) {
      const res = await call(path, { ip });
      expect(res.status).toBe(200);
      const h = limitHeaders(res);
      expect(h.limit).toBe('60');
      expect(h.remaining).toBe(String(60 - i));
      // The first request's unit comes back 60-61 minutes later.
      expect(Number(h.reset)).toBeGreaterThanOrEqual(before + 3600);
      expect(Number(h.reset)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3660);
    }
    const body = await expectRefusal(await call(path, { ip }), 60);
    expect(body.message).toMatch(/60 per hour/);
    // The wait in words (retry_after keeps the seconds): not "Try again in 3600 seconds".
    expect(body.message).toMatch(/Try again in (about an hour|\d+ minutes?)\.$/);
    // Every route draws from the same per-IP bucket, writes included.
    await expectRefusal(
      await call('/auth/register', {
        ip,
        json: { username: 'x', email: 'x@example.test', password: 'long enough pw' },
      }),
      60,
    );
  });

  it('a request with a bad token counts against its IP like any anonymous request, then is a 401', async () => {
    const vars = { RATE_LIMIT_ANON_PER_HOUR: '2' };
    const headers = { 'cf-connecting-ip': uniqueIp(), authorization: 'Bearer rvn_not.a.jwt' };
    for (const remaining of ['1', '0']) {
      const res = await callWith(vars, `/users/${user.username}`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-ratelimit-limit')).toBe('2');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(remaining);
      await res.arrayBuffer();
    }
    const refused = await expectRefusal(await callWith(vars, `/users/${user.username}`, { headers }), 2);
    expect(refused.message).toMatch(/2 per hour/);
  });

  it('two IPs do not share a bucket', async () => {
    const [a, b] = [uniqueIp(), uniqueIp()];
    await spend(bucketKeys.anon(a), 60, 60);
    await expectRefusal(await call(`/users/${user.username}`, { ip: a }), 60);
    const res = await call(`/users/${user.username}`, { ip: b });
    expect(res.status).toBe(200);
    expect(limitHeaders(res)).toMatchObject({ limit: '60', remaining: '59' });
  });

  it('concurrent requests from one IP never get more than the limit through', async () => {
    const ip = uniqueIp();
    // An unknown route: limited like any other, and no database work to slow the burst.
    const responses = await Promise.all(Array.from({ length: 90 }, () => call('/no-such-route', { ip })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 404)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    const remaining = responses
      .filter((r) => r.status === 404)
      .map((r) => Number(r.headers.get('x-ratelimit-remaining')));
    expect(new Set(remaining).size).toBe(60);
  });
});

describe('authenticated requests', () => {
  it('draw from a per-user bucket of 5000, whatever the IP', async () => {
    const me = await createUser('rl-auth');
    const ip = uniqueIp();
    await spend(bucketKeys.anon(ip), 60, 60);
    const first = await call('/users/me', { token: me.token, ip });
    expect(first.status).toBe(200);
    expect(limitHeaders(first)).toMatchObject({ limit: '5000', remaining: '4999' });
    const second = await call('/users/me', { token: me.token });
    expect(limitHeaders(second)).toMatchObject({ limit: '5000', remaining: '4998' });
  });

  it("a revoked token is charged to its IP's anonymous bucket and refused, never to its owner", async () => {
    const me = await createUser('rl-revoked');
    const created = await call('/users/me/tokens', { token: me.token, json: { name: 'ci' } });
    const ci = (await created.json()) as { token: string; token_id: string };
    const revoked = await call(`/users/me/tokens/${ci.token_id}`, { method: 'DELETE', token: me.token });
    expect(revoked.status).toBe(200);
    const before = Number(limitHeaders(revoked).remaining);

    const ip = uniqueIp();
    // A route that checks the token and a public one: both are anonymous requests now.
    for (const [path, remaining] of [
      ['/users/me', '59'],
      [`/users/${user.username}`, '58'],
    ] as const) {
      const res = await call(path, { token: ci.token, ip });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('authentication_required');
      expect(limitHeaders(res)).toMatchObject({ limit: '60', remaining });
    }
    const slots = await runInDurableObject(limiterFor(bucketKeys.anon(ip)), (instance: RateLimiter) =>
      instance.slots(),
    );
    expect(slots.reduce((sum, s) => sum + s.hits, 0)).toBe(2);

    // The owner's live token: only its own request was charged.
    const mine = await call('/users/me', { token: me.token });
    expect(limitHeaders(mine)).toMatchObject({ limit: '5000', remaining: String(before - 1) });
  });

  it("a token revoked behind the limiter's back costs its owner one request at most", async () => {
    const me = await createUser('rl-revoked-db');
    const created = await call('/users/me/tokens', { token: me.token, json: { name: 'ci' } });
    const ci = (await created.json()) as { token: string; token_id: string };
    // As a revocation path that does not tell the limiter would (or one whose telling failed).
    await withDb((db) => db.execute(sql`update api_tokens set revoked_at = now() where id = ${ci.token_id}`));
    const baseline = Number(limitHeaders(await call('/users/me', { token: me.token })).remaining);
    for (let i = 0; i < 3; i++) expect((await call('/users/me', { token: ci.token })).status).toBe(401);
    const after = await call('/users/me', { token: me.token });
    // One for this request, one for the first use of the dead token (which taught the limiter).
    expect(limitHeaders(after)).toMatchObject({ remaining: String(baseline - 2) });
  });

  it('the 5001st request in an hour is refused', async () => {
    const me = await createUser('rl-5000');
    await spend(bucketKeys.user(me.userId), 5000, 4999);
    const last = await call('/users/me', { token: me.token });
    expect(last.status).toBe(200);
    expect(limitHeaders(last)).toMatchObject({ limit: '5000', remaining: '0' });
    await expectRefusal(await call('/users/me', { token: me.token }), 5000);
    // Another user is unaffected.
    expect((await call('/users/me', { token: user.token })).status).toBe(200);
  });
});

describe('search', () => {
  it('has its own per-IP bucket of 100, apart from the anonymous one', async () => {
    const ip = uniqueIp();
    await spend(bucketKeys.search(ip), 100, 99);
    const last = await call('/search?q=raven', { ip });
    expect(last.status).not.toBe(429);
    expect(limitHeaders(last)).toMatchObject({ limit: '100', remaining: '0' });
    await expectRefusal(await call('/search?q=raven', { ip }), 100);
    // Signed in or not, search is per IP.
    await expectRefusal(await call('/search?q=raven', { ip, token: user.token }), 100);
    // The IP's ordinary bucket is untouched.
    const other = await call(`/users/${user.username}`, { ip });
    expect(other.status).toBe(200);
    expect(limitHeaders(other)).toMatchObject({ limit: '60', remaining: '59' });
  });

  it('still answers when the IP has spent its ordinary bucket', async () => {
    const ip = uniqueIp();
    await spend(bucketKeys.anon(ip), 60, 60);
    const res = await call('/search?q=raven', { ip });
    expect(res.status).not.toBe(429);
    expect(limitHeaders(res)).toMatchObject({ limit: '100', remaining: '99' });
  });
});

describe('login', () => {
  // Every attempt costs an Argon2 hash, so the bucket tests run with
  // RATE_LIMIT_LOGIN_PER_HOUR=3; the default of 10 is checked on its own.
  const vars = { RATE_LIMIT_LOGIN_PER_HOUR: '3' };
  const attempt = (email: string, ip: string, password = 'not the password') =>
    callWith(vars, '/auth/login', {
      method: 'POST',
      headers: { 'cf-connecting-ip': ip, 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });

  it('allows 10 attempts an hour by default, and says so', async () => {
    const res = await call('/auth/login', { json: { email: `${unique('nobody')}@example.test`, password: 'x' } });
    expect(res.status).toBe(401);
    expect(limitHeaders(res)).toMatchObject({ limit: '10', remaining: '9' });
  });

  it('limits attempts per IP, across emails', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 3; i++) {
      const res = await attempt(`${unique('nobody')}@example.test`, ip);
      expect(res.status).toBe(401);
      expect(limitHeaders(res)).toMatchObject({ limit: '3', remaining: String(2 - i) });
    }
    const body = await expectRefusal(await attempt(`${unique('nobody')}@example.test`, ip), 3);
    expect(body.message).toMatch(/login/i);
    // Login has its own buckets: the IP's ordinary requests still go through.
    const other = await call(`/users/${user.username}`, { ip });
    expect(other.status).toBe(200);
    expect(limitHeaders(other)).toMatchObject({ limit: '60', remaining: '59' });
  });

  it("a stranger's failed guesses lock only their own address: the owner still logs in from another", async () => {
    const victim = await createUser('rl-login');
    const stranger = uniqueIp();
    for (let i = 0; i < 3; i++) expect((await attempt(victim.email, stranger)).status).toBe(401);
    await expectRefusal(await attempt(victim.email.toUpperCase(), stranger, victim.password), 3);
    const ok = await attempt(victim.email, uniqueIp(), victim.password);
    expect(ok.status).toBe(200);
  });

  it('failures for one email from every address together are capped at ten times the limit', async () => {
    const victim = await createUser('rl-login-all');
    // 29 of the 30 failures the whole world may spend on this email this hour.
    await spend(bucketKeys.loginEmailAll(victim.email), 30, 29);
    expect((await attempt(victim.email, uniqueIp())).status).toBe(401);
    // The right password from a fresh address is refused too: guessing stops for everyone.
    await expectRefusal(await attempt(victim.email, uniqueIp(), victim.password), 30);
  });

  it('counts only failed attempts per email: successful logins never use up the budget', async () => {
    const me = await createUser('rl-login-ok');
    await spend(bucketKeys.loginEmailAll(me.email), 30, 29);
    for (let i = 0; i < 5; i++) expect((await attempt(me.email, uniqueIp(), me.password)).status).toBe(200);
    // Failures still count: the one unit left goes on the next failure.
    expect((await attempt(me.email, uniqueIp())).status).toBe(401);
    await expectRefusal(await attempt(me.email, uniqueIp(), me.password), 30);
  });

  it('a locked email is refused before any database or password work', async () => {
    const victim = await createUser('rl-login-db');
    await spend(bucketKeys.loginEmailAll(victim.email), 30, 30);
    // With no reachable database, only a refusal that comes first can still be a 429.
    const broken = {
      ...vars,
      DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:9/none',
      NEON_HTTP_ENDPOINT: 'http://127.0.0.1:9/sql',
      WS_PROXY: '127.0.0.1:9',
    };
    const login = (email: string) =>
      callWith(broken, '/auth/login', {
        method: 'POST',
        headers: { 'cf-connecting-ip': uniqueIp(), 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: victim.password }),
      });
    await expectRefusal(await login(victim.email), 30);
    // Control: an email that is not locked does reach the (broken) database.
    const control = await login(user.email);
    expect(control.status).toBeGreaterThanOrEqual(500);
    await control.arrayBuffer();
  });

  it('does not draw from the anonymous bucket', async () => {
    const ip = uniqueIp();
    await spend(bucketKeys.anon(ip), 60, 60);
    expect((await attempt(user.email, ip, user.password)).status).toBe(200);
  });
});

describe('the install path', () => {
  it('package info, version info and index reads have their own per-IP bucket of 5000, apart from the anonymous one', async () => {
    const ip = uniqueIp();
    const name = unique('inst');
    await spend(bucketKeys.anon(ip), 60, 60);
    await expectRefusal(await call(`/users/${user.username}`, { ip }), 60);
    const reads = [`/packages/${name}`, `/packages/${name}/1.0.0`, `/index/${name}`, '/index/config.json'];
    for (const [i, path] of reads.entries()) {
      const res = await call(path, { ip });
      expect(res.status, path).not.toBe(429);
      expect(limitHeaders(res), path).toMatchObject({ limit: '5000', remaining: String(4999 - i) });
      await res.arrayBuffer();
    }
    // The rest of /packages is the ordinary API: still refused.
    await expectRefusal(await call(`/packages/${name}/owners`, { ip }), 60);
  });

  it('the 5001st install read in an hour is refused, and only for that IP', async () => {
    const ip = uniqueIp();
    const name = unique('inst');
    await spend(bucketKeys.install(ip), 5000, 4999);
    const last = await call(`/packages/${name}`, { ip });
    expect(last.status).toBe(404);
    expect(limitHeaders(last)).toMatchObject({ limit: '5000', remaining: '0' });
    await expectRefusal(await call(`/packages/${name}`, { ip }), 5000);
    await expectRefusal(await call(`/index/${name}`, { ip }), 5000);
    expect((await call(`/packages/${name}`)).status).toBe(404);
  });

  it('RATE_LIMIT_INSTALL_PER_HOUR changes the install limit', async () => {
    const headers = { 'cf-connecting-ip': uniqueIp() };
    const vars = { RATE_LIMIT_INSTALL_PER_HOUR: '2' };
    const path = `/packages/${unique('inst')}`;
    for (let i = 0; i < 2; i++) {
      const res = await callWith(vars, path, { headers });
      expect(limitHeaders(res)).toMatchObject({ limit: '2', remaining: String(1 - i) });
    }
    await expectRefusal(await callWith(vars, path, { headers }), 2);
  });
});

describe('tarball downloads', () => {
  it('are never limited and never reach the limiter', async () => {
    const ip = uniqueIp();
    const path = `/packages/${unique('dl')}/1.0.0/download`;
    const before = new Set((await listDurableObjectIds(env.RATE_LIMITER)).map(String));
    for (let i = 0; i < 70; i++) {
      const res = await call(path, { ip, method: i % 2 ? 'HEAD' : 'GET' });
      expect(res.status).not.toBe(429);
      expect(limitHeaders(res)).toEqual({ limit: null, remaining: null, reset: null });
    }
    const after = (await listDurableObjectIds(env.RATE_LIMITER)).map(String);
    expect(after.filter((id) => !before.has(id))).toEqual([]);
    expect(after).not.toContain(String(env.RATE_LIMITER.idFromName(bucketKeys.anon(ip))));
    // Still served once the IP is over its limit for everything else.
    await spend(bucketKeys.anon(ip), 60, 60);
    await expectRefusal(await call(`/users/${user.username}`, { ip }), 60);
    const res = await call(path, { ip });
    expect(res.status).not.toBe(429);
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });
});

describe('Worker variables', () => {
  it('RATE_LIMIT_ANON_PER_HOUR changes the anonymous limit', async () => {
    const headers = { 'cf-connecting-ip': uniqueIp() };
    const vars = { RATE_LIMIT_ANON_PER_HOUR: '3' };
    for (let i = 0; i < 3; i++) {
      const res = await callWith(vars, `/users/${user.username}`, { headers });
      expect(res.status).toBe(200);
      expect(limitHeaders(res)).toMatchObject({ limit: '3', remaining: String(2 - i) });
    }
    await expectRefusal(await callWith(vars, `/users/${user.username}`, { headers }), 3);
  });

  it('RATE_LIMIT_AUTH_PER_HOUR and _SEARCH_ change theirs (login: see above)', async () => {
    const vars = { RATE_LIMIT_AUTH_PER_HOUR: '2', RATE_LIMIT_SEARCH_PER_HOUR: '1' };
    const me = await createUser('rl-vars');
    const auth = { authorization: `Bearer ${me.token}` };
    for (let i = 0; i < 2; i++) expect((await callWith(vars, '/users/me', { headers: auth })).status).toBe(200);
    await expectRefusal(await callWith(vars, '/users/me', { headers: auth }), 2);

    const ip = { 'cf-connecting-ip': uniqueIp() };
    expect((await callWith(vars, '/search?q=raven', { headers: ip })).status).not.toBe(429);
    await expectRefusal(await callWith(vars, '/search?q=raven', { headers: ip }), 1);
  });
});
