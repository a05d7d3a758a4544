import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, callJson } from '../helpers/client';

describe('health', () => {
  it('GET /health answers exactly OK as text/plain', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('OK');
  });

  it('GET /health/ready checks Postgres and R2', async () => {
    const { status, body } = await callJson('/health/ready');
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', checks: { database: 'ok', storage: 'ok' } });
  });

  it('every response carries a request id', async () => {
    const res = await call('/health');
    expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{8,64}$/);
  });

  it('the Durable Object bindings are wired', async () => {
    const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName('binding-check'));
    const counter = env.DOWNLOAD_COUNTER.get(env.DOWNLOAD_COUNTER.idFromName('binding-check'));
    expect(await (limiter as unknown as { ping(): Promise<string> }).ping()).toBe('pong');
    expect(await (counter as unknown as { ping(): Promise<string> }).ping()).toBe('pong');
  });
});
