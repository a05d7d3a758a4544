// The limits that live outside the middleware (new package names), and what
// happens when the limiter cannot be reached.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { Hono } from 'hono';
import { afterEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { createApp } from '../../src/app';
import type { AppEnv } from '../../src/env';
import { renderError } from '../../src/errors';
import { bearer } from '../../src/middleware/auth';
import { requestContext } from '../../src/middleware/context';
import { limitNewPackage, rateLimit } from '../../src/middleware/rate-limit';
import { API, call, uniqueIp } from '../helpers/client';
import { createUser } from '../helpers/factories';
import { expectRefusal } from '../helpers/rate-limit';

type EnvOverride = Partial<Record<keyof Env, unknown>>;

async function request(
  app: { request: Hono<AppEnv>['request'] },
  path: string,
  init: RequestInit & { token?: string } = {},
  override: EnvOverride = {},
) {
  const headers = new Headers(init.headers);
  headers.set('cf-connecting-ip', uniqueIp());
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const ctx = createExecutionContext();
  const res = await app.request(`${API}${path}`, { ...init, headers }, { ...env, ...override }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/**
 * The Worker's middleware stack in front of a stand-in for the publish route
 * (being written separately), calling limitNewPackage the way publish will when
 * a publish would create a new package name.
 */
function publishStandIn() {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext);
  app.use('/api/v1/*', bearer);
  app.use('/api/v1/*', rateLimit);
  app.post('/api/v1/packages/publish', async (c) => {
    const claims = c.var.claims;
    if (!claims) return c.json({ error: 'authentication_required' }, 401);
    await limitNewPackage(c, claims.userId);
    return c.json({ created: true }, 201);
  });
  app.onError((err, c) => renderError(c, err, c.var.requestId));
  return app;
}

describe('new package names', () => {
  it('10 per user an hour; the 11th is 429 and other users are unaffected', async () => {
    const app = publishStandIn();
    const [a, b] = [await createUser('rl-new-a'), await createUser('rl-new-b')];
    for (let i = 0; i < 10; i++) {
      const res = await request(app, '/packages/publish', { method: 'POST', token: a.token });
      expect(res.status).toBe(201);
      // The tighter of the user's two buckets is the one reported.
      expect(res.headers.get('x-ratelimit-limit')).toBe('10');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(9 - i));
    }
    const refused = await request(app, '/packages/publish', { method: 'POST', token: a.token });
    const body = await expectRefusal(refused, 10);
    expect(body.message).toMatch(/new package/i);

    expect((await request(app, '/packages/publish', { method: 'POST', token: b.token })).status).toBe(201);
    // Everything else the user does is still served, from the 5000 bucket.
    const other = await call('/users/me', { token: a.token });
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-limit')).toBe('5000');
  });

  it('RATE_LIMIT_NEW_PACKAGES_PER_HOUR changes the limit', async () => {
    const app = publishStandIn();
    const me = await createUser('rl-new-var');
    const vars = { RATE_LIMIT_NEW_PACKAGES_PER_HOUR: '2' };
    for (let i = 0; i < 2; i++) {
      expect((await request(app, '/packages/publish', { method: 'POST', token: me.token }, vars)).status).toBe(201);
    }
    const refused = await request(app, '/packages/publish', { method: 'POST', token: me.token }, vars);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('2');
  });
});

describe('when the limiter cannot be reached', () => {
  // The binding's stubs fail the way an overloaded or unreachable object does. A
  // stand-in, not a real failing object: every rejecting DO RPC leaks an uncaught
  // rejection under the vitest plugin (cloudflare/workers-sdk#14736).
  const broken = {
    RATE_LIMITER: {
      idFromName: (name: string) => env.RATE_LIMITER.idFromName(name),
      get: () => ({ take: () => Promise.reject(new Error('Durable Object is overloaded.')) }),
    },
  };
  let errors: MockInstance<typeof console.error> | undefined;
  const logged = () =>
    (errors?.mock.calls ?? [])
      .map((args) => String(args[0]))
      .filter((line) => line.includes('rate limiter unreachable'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  afterEach(() => errors?.mockRestore());

  it('ordinary requests are served without rate-limit headers and logged once', async () => {
    const user = await createUser('rl-open');
    errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await request(createApp(), `/users/${user.username}`, {}, broken);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    const lines = logged();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      request_id: res.headers.get('x-request-id'),
      bucket: 'anon',
      policy: 'served (fail open)',
    });
  });

  it('login is refused with 503 and logged once', async () => {
    const user = await createUser('rl-closed');
    errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await request(
      createApp(),
      '/auth/login',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: user.password }),
      },
      broken,
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'service_unavailable', message: expect.any(String) });
    expect(res.headers.get('retry-after')).toBe('60');
    const lines = logged();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ request_id: res.headers.get('x-request-id'), policy: 'refused (fail closed)' });
    expect(JSON.stringify(lines[0])).not.toContain(user.email);
  });

  it('new package names are allowed, and two failed buckets still log once', async () => {
    const me = await createUser('rl-new-open');
    errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await request(publishStandIn(), '/packages/publish', { method: 'POST', token: me.token }, broken);
    expect(res.status).toBe(201);
    expect(logged()).toHaveLength(1);
  });
});
