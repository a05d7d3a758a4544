// The edge policy middleware on a bare app: which replies stay shareable.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/env';
import { purgeTags } from '../../src/lib/edge-cache';
import { edgeCachePolicy } from '../../src/middleware/edge-cache';

const PUBLIC = 'public, max-age=60';

function app() {
  const a = new Hono<AppEnv>();
  a.use('*', edgeCachePolicy);
  a.get('/public', (c) => c.text('ok', 200, { 'Cache-Control': PUBLIC, 'Cache-Tag': 't' }));
  a.get('/cookie', (c) => c.text('ok', 200, { 'Cache-Control': PUBLIC, 'Set-Cookie': 'session=x; HttpOnly' }));
  a.get('/silent', (c) => c.text('ok'));
  a.get('/no-store', (c) => c.text('ok', 200, { 'Cache-Control': 'no-store' }));
  a.get('/api/v1/packages/:name/:version/download', (c) => c.text('tar', 200, { 'Cache-Control': PUBLIC }));
  a.get('/gone', (c) => c.text('no', 404, { 'Cache-Control': PUBLIC, 'Cache-Tag': 't' }));
  return a;
}

const headersOf = async (path: string, init?: RequestInit) => {
  const res = await app().request(path, init);
  return {
    cacheControl: res.headers.get('cache-control'),
    edge: res.headers.get('cloudflare-cdn-cache-control'),
    tags: res.headers.get('cache-tag'),
  };
};

describe('edgeCachePolicy', () => {
  it('keeps a public, anonymous, successful reply as the route said', async () => {
    expect(await headersOf('/public')).toEqual({ cacheControl: PUBLIC, edge: null, tags: 't' });
  });

  it('makes replies that set a cookie, answer credentials, fail or say nothing private, no-store', async () => {
    const closed = { cacheControl: 'private, no-store', edge: null, tags: null };
    expect(await headersOf('/cookie')).toEqual(closed);
    expect(await headersOf('/public', { headers: { authorization: 'Bearer x' } })).toEqual(closed);
    expect(await headersOf('/gone')).toEqual(closed);
    expect(await headersOf('/silent')).toEqual(closed);
  });

  it("leaves a route's own no-store alone", async () => {
    expect((await headersOf('/no-store')).cacheControl).toBe('no-store');
  });

  it('keeps tarball downloads out of the tiered cache only', async () => {
    expect(await headersOf('/api/v1/packages/a/1.0.0/download')).toEqual({
      cacheControl: PUBLIC,
      edge: 'no-store',
      tags: null,
    });
  });
});

describe('purgeTags', () => {
  it('calls the purge API once with the tags, and not at all without tags', async () => {
    const calls: CachePurgeOptions[] = [];
    const ctx = {
      cache: {
        purge: async (o: CachePurgeOptions) => {
          calls.push(o);
          return { success: true, errors: [] };
        },
      },
    };
    await purgeTags(ctx, []);
    await purgeTags(ctx, ['pkg:a', 'pkg:a@1.0.0']);
    expect(calls).toEqual([{ tags: ['pkg:a', 'pkg:a@1.0.0'] }]);
  });

  it('never throws when the purge API does', async () => {
    const ctx = { cache: { purge: () => Promise.reject(new Error('down')) } };
    await expect(purgeTags(ctx, ['pkg:a'])).resolves.toBeUndefined();
  });
});
