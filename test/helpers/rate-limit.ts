// The contract's rate-limit reply, asserted the same way wherever a test meets one.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { expect } from 'vitest';
import { createApp } from '../../src/app';
import { API, uniqueIp } from './client';
import { errorBody } from './contract';

export function limitHeaders(res: Response) {
  return {
    limit: res.headers.get('x-ratelimit-limit'),
    remaining: res.headers.get('x-ratelimit-remaining'),
    reset: res.headers.get('x-ratelimit-reset'),
  };
}

/** Asserts the contract's 429: body, Retry-After and X-RateLimit-* all agree. */
export async function expectRefusal(res: Response, limit: number) {
  expect(res.status).toBe(429);
  const body = (await res.json()) as { error: string; message: string; retry_after: number };
  expect(body).toEqual(errorBody('rate_limit_exceeded', { retry_after: expect.any(Number) }));
  expect(body.message.length).toBeGreaterThan(0);
  expect(Number.isInteger(body.retry_after)).toBe(true);
  expect(body.retry_after).toBeGreaterThan(0);
  expect(body.retry_after).toBeLessThanOrEqual(3660);
  expect(res.headers.get('retry-after')).toBe(String(body.retry_after));
  const headers = limitHeaders(res);
  expect(headers.limit).toBe(String(limit));
  expect(headers.remaining).toBe('0');
  const now = Math.floor(Date.now() / 1000);
  expect(Number(headers.reset)).toBeGreaterThanOrEqual(now + body.retry_after - 1);
  expect(Number(headers.reset)).toBeLessThanOrEqual(now + body.retry_after + 1);
  return body;
}

// The same app with other Worker variables (or a broken binding): loadConfig
// parses each env object afresh, so this is what a changed [vars] entry does.
export async function callWith(
  envOverride: Partial<Env> & Record<string, unknown>,
  path: string,
  init: RequestInit = {},
) {
  const app = createApp();
  const headers = new Headers(init.headers);
  if (!headers.has('cf-connecting-ip')) headers.set('cf-connecting-ip', uniqueIp());
  const ctx = createExecutionContext();
  const res = await app.request(`${API}${path}`, { ...init, headers }, { ...env, ...envOverride }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
