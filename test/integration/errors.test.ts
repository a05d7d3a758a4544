import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { call, callJson } from '../helpers/client';
import { createUser } from '../helpers/factories';

describe('the contract error body', () => {
  it('malformed JSON is a 400 invalid_request', async () => {
    const { status, body } = await callJson('/auth/login', {
      body: '{"email": "a@b.test", ',
      headers: { 'content-type': 'application/json' },
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
    expect(typeof body.message).toBe('string');
  });

  it('a wrong content type is a 400 invalid_request', async () => {
    const { status, body } = await callJson('/auth/login', {
      body: 'email=a@b.test&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
  });

  it('deeply nested JSON is refused cleanly', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const { status, body } = await callJson('/auth/login', {
      body: deep,
      headers: { 'content-type': 'application/json' },
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
  });

  it('every JSON reply says application/json; charset=utf-8, errors included', async () => {
    const user = await createUser('ct');
    const replies = await Promise.all([
      call(`/users/${user.username}`),
      call('/users/me', { token: user.token }),
      call('/search?q=raven'),
      call('/search'),
      call('/packages/no-such-package-here'),
      call('/no-such-route'),
      call('/users/me'),
      call('/openapi.json'),
      call('/health/ready'),
    ]);
    for (const res of replies) {
      expect(res.headers.get('content-type'), res.url).toBe('application/json; charset=utf-8');
      await res.arrayBuffer();
    }
  });

  it('unknown API routes are 404 not_found in JSON (other paths get the website 404 page)', async () => {
    for (const path of ['/api/v1/nope', '/api/v2/packages', '/health/nope']) {
      const res = await call(`http://registry.test${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
  });

  it('an unexpected failure is a 500 with a request id and nothing internal', async () => {
    const broken = { ...env, DATABASE_URL: 'postgres://raven:secret-pw@127.0.0.1:1/raven' };
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request('http://registry.test/api/v1/users/someone', { headers: { 'x-request-id': 'req-test-123456' } }),
      broken,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: 'internal_error',
      message: expect.any(String),
      details: { request_id: 'req-test-123456' },
    });
    expect(text).not.toMatch(/select|postgres|secret-pw|at \w+ \(/i);
  });

  it('/health/ready answers 503 naming the failing check', async () => {
    const broken = { ...env, DATABASE_URL: 'postgres://raven:x@127.0.0.1:1/raven' };
    const ctx = createExecutionContext();
    const res = await createApp().fetch(new Request('http://registry.test/health/ready'), broken, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'failed', checks: { database: 'failed', storage: 'ok' } });
  });
});

describe('API document', () => {
  it('serves an OpenAPI 3.1 document listing the routes', async () => {
    const { status, body } = await callJson('http://registry.test/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    for (const path of ['/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/users/me/tokens', '/health/ready']) {
      expect(Object.keys(body.paths)).toContain(path);
    }
    expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves a human-readable reference at /docs', async () => {
    const res = await call('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('/api/v1/openapi.json');
  });
});
