// What each read tells the edge: the install path (package info, version info,
// index) is public with tags and a strong ETag answered by 304; tarballs are
// immutable for clients but kept out of the tiered cache; errors, refusals,
// anything authenticated and every other route are `private, no-store`.
import { env, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../src/durable-objects/rate-limiter';
import { bucketKeys } from '../../src/lib/rate-limit-rules';
import { call, uniqueIp } from '../helpers/client';
import { createUser, type TestUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';

const CLIENT = 'public, max-age=60, stale-while-revalidate=300';
const EDGE = 'public, max-age=300, stale-while-revalidate=3600';
const NO_STORE = 'private, no-store';
const STRONG_ETAG = /^"[0-9a-f]{64}"$/;

/** The body as text, whatever its type (workerd warns on .text() of NDJSON). */
const bodyText = async (res: Response) => new TextDecoder().decode(await res.arrayBuffer());

function cacheHeaders(res: Response) {
  return {
    cacheControl: res.headers.get('cache-control'),
    edge: res.headers.get('cloudflare-cdn-cache-control'),
    tags: res.headers.get('cache-tag'),
  };
}

let owner: TestUser;
let name: string;
beforeAll(async () => {
  owner = await createUser('ecr');
  name = packageName('edge');
  await publishPackage(owner.token, name, '1.0.0');
});

describe('install-path reads are edge-cacheable', () => {
  it('package info, version info and the index each say how long, with which tags', async () => {
    const expected: [string, string][] = [
      [`/packages/${name}`, `pkg:${name}`],
      [`/packages/${name}/1.0.0`, `pkg:${name},pkg:${name}@1.0.0`],
      [`/index/${name}`, `pkg:${name}`],
      ['/index/config.json', 'index-config'],
    ];
    for (const [path, tags] of expected) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(cacheHeaders(res), path).toEqual({ cacheControl: CLIENT, edge: EDGE, tags });
      expect(res.headers.get('etag'), path).toMatch(STRONG_ETAG);
      await res.arrayBuffer();
    }
  });

  it('answer If-None-Match with 304 and the same cache headers, and a changed reply gets a new ETag', async () => {
    const mine = packageName('etag');
    await publishPackage(owner.token, mine, '1.0.0');
    for (const path of [`/packages/${mine}`, `/packages/${mine}/1.0.0`, `/index/${mine}`, '/index/config.json']) {
      const first = await call(path);
      const etag = first.headers.get('etag')!;
      const body = await bodyText(first);
      for (const header of [etag, `W/${etag}`, `"nope", ${etag}`]) {
        const again = await call(path, { headers: { 'if-none-match': header } });
        expect(again.status, `${path} ${header}`).toBe(304);
        expect(await bodyText(again)).toBe('');
        expect(again.headers.get('etag')).toBe(etag);
        expect(cacheHeaders(again)).toEqual(cacheHeaders(first));
      }
      const stale = await call(path, { headers: { 'if-none-match': '"0000"' } });
      expect(stale.status).toBe(200);
      expect(await bodyText(stale)).toBe(body);
    }
    const before = (await call(`/packages/${mine}`)).headers.get('etag');
    await publishPackage(owner.token, mine, '1.1.0');
    const after = await call(`/packages/${mine}`, { headers: { 'if-none-match': before! } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before);
  });

  it('HEAD gets the same headers as GET', async () => {
    const get = await call(`/packages/${name}`);
    const head = await call(`/packages/${name}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(cacheHeaders(head)).toEqual(cacheHeaders(get));
    expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
  });
});

describe('what the edge must never share', () => {
  it('errors on the install path are private, no-store', async () => {
    for (const path of [
      `/packages/${packageName('nope')}`,
      `/packages/${name}/9.9.9`,
      `/index/${packageName('nope')}`,
    ]) {
      const res = await call(path);
      expect(res.status, path).toBe(404);
      expect(cacheHeaders(res), path).toEqual({ cacheControl: NO_STORE, edge: null, tags: null });
      expect(res.headers.get('etag')).toBeNull();
    }
    const invalid = await call(`/packages/${'x'.repeat(200)}`);
    expect(invalid.status).toBe(400);
    expect(cacheHeaders(invalid)).toEqual({ cacheControl: NO_STORE, edge: null, tags: null });
  });

  it('rate-limit refusals are private, no-store', async () => {
    const ip = uniqueIp();
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(bucketKeys.install(ip)));
    await runInDurableObject(stub, async (limiter: RateLimiter) => {
      for (let i = 0; i < 5000; i++) await limiter.take(5000);
    });
    const res = await call(`/packages/${name}`, { ip });
    expect(res.status).toBe(429);
    expect(cacheHeaders(res)).toEqual({ cacheControl: NO_STORE, edge: null, tags: null });
  });

  it('authenticated reads are private, no-store, even of public data', async () => {
    for (const path of [`/packages/${name}`, `/packages/${name}/1.0.0`, `/index/${name}`]) {
      const res = await call(path, { token: owner.token });
      expect(res.status, path).toBe(200);
      expect(cacheHeaders(res), path).toEqual({ cacheControl: NO_STORE, edge: null, tags: null });
      await res.arrayBuffer();
    }
  });

  it('routes off the install path say nothing cacheable, so they are private, no-store', async () => {
    for (const path of [
      '/health',
      `/users/${owner.username}`,
      `/packages/${name}/owners`,
      '/search?q=edge',
      '/openapi.json',
      '/no-such-route',
    ]) {
      const res = await call(path);
      expect(res.headers.get('cache-control'), path).toBe(NO_STORE);
      expect(res.headers.get('cache-tag'), path).toBeNull();
      await res.arrayBuffer();
    }
  });
});

describe('tarball downloads', () => {
  it('stay immutable for clients but are kept out of the tiered cache, so every download runs the Worker', async () => {
    const path = `/packages/${name}/1.0.0/download`;
    // A miss (read from R2), a hit (the Worker's own Cache API copy), and a 304.
    const miss = await call(path);
    const etag = miss.headers.get('etag')!;
    const hit = await call(path);
    const notModified = await call(path, { headers: { 'if-none-match': etag } });
    for (const [what, res, status] of [
      ['miss', miss, 200],
      ['hit', hit, 200],
      ['304', notModified, 304],
    ] as const) {
      expect(res.status, what).toBe(status);
      expect(res.headers.get('cache-control'), what).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('cloudflare-cdn-cache-control'), what).toBe('no-store');
      await res.arrayBuffer();
    }
  });
});
