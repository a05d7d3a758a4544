// Downloads: exact bytes, conditional requests, the edge cache, and counting
// through the DownloadCounter object into version_downloads and the totals.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client';
import type { DownloadCounter } from '../../src/durable-objects/download-counter';
import { utcDay } from '../../src/lib/etag';
import { removePackageCounters } from '../../src/services/counters';
import { applyFlush, COALESCE_MS, downloadCounterFor } from '../../src/services/downloads';
import { API, call, callJson } from '../helpers/client';
import { r2KeyFor } from '../helpers/contract';
import { withDb } from '../helpers/db';
import { createUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const counterOf = (name: string) => downloadCounterFor(env, name);
const countsOf = (name: string) =>
  runInDurableObject(counterOf(name), (instance: DownloadCounter) => instance.counts());
const total = (rows: { count: number }[]) => rows.reduce((n, r) => n + r.count, 0);

async function waitForPending(name: string, n: number) {
  await until(`${n} pending downloads of ${name}`, async () => {
    const c = await countsOf(name);
    return total(c.pending) + total(c.inFlight) === n;
  });
}

async function versionDownloads(name: string, version: string) {
  return withDb(async (db) => {
    const result = await db.execute<{ day: string; count: string }>(sql`
      select d.day::text as day, d.count from version_downloads d
      join versions v on v.id = d.version_id join packages p on p.id = v.package_id
      where p.name = ${name} and v.version = ${version} order by d.day`);
    return result.rows.map((r) => ({ day: r.day, count: Number(r.count) }));
  });
}

describe('GET /packages/:name/:version/download', () => {
  it('serves the exact bytes with the contract headers, and 404 for unknown names or versions', async () => {
    const user = await createUser('dl');
    const name = packageName('dl');
    const { tarball, body } = await publishPackage(user.token, name, '1.0.0');
    const res = await call(`/packages/${name}/1.0.0/download`);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(tarball);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-type': 'application/gzip',
      'content-disposition': `attachment; filename="${name}-1.0.0.tar.gz"`,
      'content-length': String(tarball.byteLength),
      'cache-control': 'public, max-age=31536000, immutable',
      etag: `"${body.checksum}"`,
    });
    for (const path of [`/packages/${name}/9.9.9/download`, `/packages/${name}-nope/1.0.0/download`]) {
      const missing = await callJson(path);
      expect(missing.status).toBe(404);
      expect(missing.body.error).toBe('not_found');
    }
  });

  it('answers If-None-Match with 304 for the checksum, cold or warm, and 200 otherwise', async () => {
    const user = await createUser('etag');
    const name = packageName('etag');
    const { body } = await publishPackage(user.token, name, '1.0.0');
    const url = `/packages/${name}/1.0.0/download`;
    const tag = `"${body.checksum}"`;
    for (const header of [tag, `W/${tag}`, `"nope", ${tag}`, '*']) {
      const res = await call(url, { headers: { 'if-none-match': header } });
      expect(res.status, header).toBe(304);
      expect(res.headers.get('etag')).toBe(tag);
      expect(await res.text()).toBe('');
    }
    expect((await call(url, { headers: { 'if-none-match': '"sha256:0000"' } })).status).toBe(200);
    // Warm: the same answers from the edge cache.
    await until('the cache entry', () => caches.default.match(`${API}${url}`));
    expect((await call(url, { headers: { 'if-none-match': tag } })).status).toBe(304);
    const warm = await call(url, { headers: { 'if-none-match': '"other"' } });
    expect(warm.status).toBe(200);
    expect(warm.headers.get('etag')).toBe(tag);
    await warm.arrayBuffer();
  });

  it('serves a warm download from the edge cache without Postgres or R2', async () => {
    const user = await createUser('cache');
    const name = packageName('cache');
    const { tarball, body } = await publishPackage(user.token, name, '1.0.0');
    const url = `/packages/${name}/1.0.0/download`;
    const cold = await call(url);
    expect(new Uint8Array(await cold.arrayBuffer())).toEqual(tarball);
    await until('the cache entry', () => caches.default.match(`${API}${url}`));

    // Take away both sources: only the edge cache can answer now.
    await env.TARBALLS.delete(r2KeyFor(body.checksum));
    await withDb(async (db) => {
      // As a deletion would: the registry's counters first, then the row.
      const found = await db.execute<{ id: string }>(sql`select id from packages where name = ${name}`);
      await removePackageCounters(db, found.rows[0]!.id);
      await db.execute(sql`delete from packages where name = ${name}`);
    });
    expect((await callJson(`/packages/${name}`)).status).toBe(404);

    const warm = await call(url);
    expect(warm.status).toBe(200);
    expect(new Uint8Array(await warm.arrayBuffer())).toEqual(tarball);
    expect(warm.headers.get('etag')).toBe(`"${body.checksum}"`);
    expect(warm.headers.get('content-disposition')).toBe(`attachment; filename="${name}-1.0.0.tar.gz"`);
    expect(warm.headers.get('content-type')).toBe('application/gzip');
    expect(warm.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // A query string does not bypass the cache.
    expect((await call(`${url}?x=1`)).status).toBe(200);
  });

  it('keeps serving a yanked version', async () => {
    const user = await createUser('ydl');
    const name = packageName('ydl');
    const { tarball } = await publishPackage(user.token, name, '1.0.0');
    await callJson(`/packages/${name}/1.0.0`, { method: 'DELETE', token: user.token });
    const res = await call(`/packages/${name}/1.0.0/download`);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(tarball);
  });
});

describe('download route parameters', () => {
  it('refuses names and versions a URL could turn into another path, before the cache and the count', async () => {
    const user = await createUser('kparam');
    // A name starting with "k": the Kelvin sign (U+212A) lowercases to it.
    const name = packageName('kparam');
    await publishPackage(user.token, name, '1.0.0');
    const url = `/packages/${name}/1.0.0/download`;
    await (await call(url)).arrayBuffer();
    await until('the cache entry', () => caches.default.match(`${API}${url}`));
    await waitForPending(name, 1);

    const bad: [string, string][] = [
      [`x1%2F..%2F${name}`, '1.0.0'],
      [`${name}%2F..%2F${name}`, '1.0.0'],
      [`%2E%2E%2F${name}`, '1.0.0'],
      [`%E2%84%AA${name.slice(1)}`, '1.0.0'],
      [`${name}%00`, '1.0.0'],
      [name.replace('-', '--').toUpperCase(), '1.0.0'],
      [`a${'b'.repeat(64)}`, '1.0.0'],
      [name, '1.0.0%2F..%2F1.0.0'],
      [name, 'v1.0.0'],
      [name, '01.0.0'],
      [name, '1.0'],
      [name, `1.0.0-${'a'.repeat(64)}`],
    ];
    for (const [rawName, rawVersion] of bad) {
      const path = `/packages/${rawName}/${rawVersion}/download`;
      const res = await callJson(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error, path).toBe('invalid_request');
      expect(await caches.default.match(`${API}${path}`), path).toBeUndefined();
    }
    // Give any count the coalescing window to reach its counter: none may.
    await new Promise((r) => setTimeout(r, COALESCE_MS * 2));
    const counts = await countsOf(name);
    expect(total(counts.pending) + total(counts.inFlight)).toBe(1);
    const stray = await countsOf(`x1/../${name}`);
    expect(total(stray.pending) + total(stray.inFlight)).toBe(0);
  });
});

describe('HEAD /packages/:name/:version/download', () => {
  it('answers the headers alone, cold or warm, and counts no download', async () => {
    const user = await createUser('head');
    const name = packageName('head');
    const { tarball, body } = await publishPackage(user.token, name, '1.0.0');
    const url = `/packages/${name}/1.0.0/download`;
    const expectHeaders = async (res: Response) => {
      expect(res.status).toBe(200);
      expect(Object.fromEntries(res.headers)).toMatchObject({
        'content-type': 'application/gzip',
        'content-disposition': `attachment; filename="${name}-1.0.0.tar.gz"`,
        'cache-control': 'public, max-age=31536000, immutable',
        'content-length': String(tarball.byteLength),
        etag: `"${body.checksum}"`,
      });
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    };
    const revalidate = () => call(url, { method: 'HEAD', headers: { 'if-none-match': `"${body.checksum}"` } });
    await expectHeaders(await call(url, { method: 'HEAD' }));
    expect((await revalidate()).status).toBe(304);
    // A HEAD neither fills the edge cache nor counts; the one GET does both.
    expect(await caches.default.match(`${API}${url}`)).toBeUndefined();
    const get = await call(url);
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(tarball);
    await until('the cache entry', () => caches.default.match(`${API}${url}`));
    await expectHeaders(await call(url, { method: 'HEAD' }));
    expect((await revalidate()).status).toBe(304);
    await waitForPending(name, 1);
    await new Promise((r) => setTimeout(r, 200));
    const counts = await countsOf(name);
    expect(total(counts.pending) + total(counts.inFlight)).toBe(1);
  });
});

describe('download counting', () => {
  it('counts every download, warm or cold, and the flush reaches version_downloads and the totals', async () => {
    const user = await createUser('count');
    const name = packageName('count');
    await publishPackage(user.token, name, '1.0.0');
    await publishPackage(user.token, name, '2.0.0');
    for (let i = 0; i < 5; i++) await (await call(`/packages/${name}/1.0.0/download`)).arrayBuffer();
    for (let i = 0; i < 2; i++) await (await call(`/packages/${name}/2.0.0/download`)).arrayBuffer();
    // A 304 is a revalidation, not a download.
    const { body } = await callJson(`/packages/${name}/2.0.0`);
    await call(`/packages/${name}/2.0.0/download`, { headers: { 'if-none-match': `"${body.checksum}"` } });
    await waitForPending(name, 7);

    expect((await callJson(`/packages/${name}`)).body.downloads_total).toBe(0);
    expect(await runDurableObjectAlarm(counterOf(name))).toBe(true);
    expect(await countsOf(name)).toEqual({ pending: [], inFlight: [] });

    const today = utcDay(Date.now());
    expect(await versionDownloads(name, '1.0.0')).toEqual([{ day: today, count: 5 }]);
    expect(await versionDownloads(name, '2.0.0')).toEqual([{ day: today, count: 2 }]);
    const pkg = await callJson(`/packages/${name}`);
    expect(pkg.body.downloads_total).toBe(7);
    expect(pkg.body.downloads_last_month).toBe(7);
    expect((await callJson(`/packages/${name}/1.0.0`)).body.downloads).toBe(5);

    // A later batch adds to the same day's row.
    await (await call(`/packages/${name}/1.0.0/download`)).arrayBuffer();
    await waitForPending(name, 1);
    expect(await runDurableObjectAlarm(counterOf(name))).toBe(true);
    expect(await versionDownloads(name, '1.0.0')).toEqual([{ day: today, count: 6 }]);
    expect((await callJson(`/packages/${name}`)).body.downloads_total).toBe(8);
  });

  it('keeps counts across eviction of the object', async () => {
    const user = await createUser('evict');
    const name = packageName('evict');
    await publishPackage(user.token, name, '1.0.0');
    for (let i = 0; i < 3; i++) await (await call(`/packages/${name}/1.0.0/download`)).arrayBuffer();
    await waitForPending(name, 3);
    await evictDurableObject(counterOf(name));
    expect(total((await countsOf(name)).pending)).toBe(3);
    expect(await runDurableObjectAlarm(counterOf(name))).toBe(true);
    expect((await callJson(`/packages/${name}`)).body.downloads_total).toBe(3);
  });

  it('neither loses nor doubles counts when a flush fails, or commits but is not acknowledged', async () => {
    const user = await createUser('retry');
    const name = packageName('retry');
    await publishPackage(user.token, name, '1.0.0');
    const stub = counterOf(name);
    const day = utcDay(Date.now());
    for (let i = 0; i < 4; i++) await stub.record(name, '1.0.0');

    // 1. The database refuses (here: no such database): the batch stays, under its flush id.
    const missing = new URL(env.DATABASE_URL);
    missing.pathname = '/no_such_database';
    const unreachable = createDatabase(missing.toString(), env.WS_PROXY);
    const batch = await runInDurableObject(stub, async (instance: DownloadCounter) => {
      const b = instance.prepareBatch();
      await expect(applyFlush(unreachable, b!.flushId, b!.rows)).rejects.toThrow();
      await unreachable.close().catch(() => {});
      return b!;
    });
    expect(batch.rows).toEqual([{ name, version: '1.0.0', day, count: 4 }]);
    // Downloads meanwhile go to pending, not into the waiting batch.
    for (let i = 0; i < 2; i++) await stub.record(name, '1.0.0');
    expect(await countsOf(name)).toEqual({
      pending: [{ name, version: '1.0.0', day, count: 2 }],
      inFlight: [{ name, version: '1.0.0', day, count: 4 }],
    });

    // 2. The retry commits but the object never hears back: the batch stays.
    const database = createDatabase(env.DATABASE_URL, env.WS_PROXY);
    try {
      expect(await applyFlush(database, batch.flushId, batch.rows)).toBe(true);
    } finally {
      await database.close();
    }
    expect((await countsOf(name)).inFlight).toHaveLength(1);
    expect((await callJson(`/packages/${name}`)).body.downloads_total).toBe(4);

    // 3. The alarm retries the same flush id: recognised as applied, not counted again;
    //    the pending counts get their own flush on the next alarm.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await countsOf(name)).toEqual({ pending: [{ name, version: '1.0.0', day, count: 2 }], inFlight: [] });
    expect((await callJson(`/packages/${name}`)).body.downloads_total).toBe(4);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await countsOf(name)).toEqual({ pending: [], inFlight: [] });
    expect((await callJson(`/packages/${name}`)).body.downloads_total).toBe(6);
    expect(await versionDownloads(name, '1.0.0')).toEqual([{ day, count: 6 }]);
  });

  it('files counts under the UTC day they happened and sums the last 30 days', async () => {
    const user = await createUser('days');
    const name = packageName('days');
    await publishPackage(user.token, name, '1.0.0');
    const stub = counterOf(name);
    const now = Date.now();
    await stub.record(name, '1.0.0', now - 40 * 86_400_000);
    await stub.record(name, '1.0.0', now - 86_400_000);
    await stub.record(name, '1.0.0', now);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await versionDownloads(name, '1.0.0')).toEqual([
      { day: utcDay(now - 40 * 86_400_000), count: 1 },
      { day: utcDay(now - 86_400_000), count: 1 },
      { day: utcDay(now), count: 1 },
    ]);
    const { body } = await callJson(`/packages/${name}`);
    expect(body.downloads_total).toBe(3);
    expect(body.downloads_last_month).toBe(2);
  });
});
