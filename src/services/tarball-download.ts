// Serving a tarball download: the Worker's own edge-cache copy first (no
// database, no R2), then one single-statement read and the R2 object, streamed
// to the client and the cache at once. Every served GET is counted; HEAD and
// 304s are not. Parameters are validated by the route before anything here runs,
// so a malformed name can never become a cache key or a counted download.
import { loadConfig } from '../config';
import { type Database, databaseFor } from '../db/client';
import { notFound, takenDown } from '../errors';
import { packageTag, versionTag } from '../lib/edge-cache';
import { etagFor, ifNoneMatchHits } from '../lib/etag';
import { log } from '../lib/log';
import { countDownload } from './downloads';
import { findTarball } from './packages';

const IMMUTABLE = 'public, max-age=31536000, immutable';

function tarballHeaders(name: string, version: string, checksum: string, size: number): Headers {
  return new Headers({
    'Content-Type': 'application/gzip',
    'Content-Disposition': `attachment; filename="${name}-${version}.tar.gz"`,
    'Content-Length': String(size),
    'Cache-Control': IMMUTABLE,
    ETag: etagFor(checksum),
  });
}

const notModified = (checksum: string) =>
  new Response(null, { status: 304, headers: { ETag: etagFor(checksum), 'Cache-Control': IMMUTABLE } });

export interface DownloadDeps {
  env: Env;
  ctx: { waitUntil(p: Promise<unknown>): void };
  db: Database;
}

export interface DownloadRequest {
  name: string;
  version: string;
  /** The request's origin: the cache key is built from it and the path alone, so query strings cannot fragment or bypass the cache. */
  origin: string;
  method: string;
  ifNoneMatch: string | undefined;
}

/** The Cache API key of a download: the origin and the path alone. */
const downloadCacheKey = (origin: string, name: string, version: string) =>
  new Request(`${origin}/api/v1/packages/${name}/${version}/download`, { method: 'GET' });

export async function serveTarball(deps: DownloadDeps, req: DownloadRequest): Promise<Response> {
  const { name, version, ifNoneMatch } = req;
  const cacheKey = downloadCacheKey(req.origin, name, version);
  const cache = caches.default;
  // Hono runs the GET handler for HEAD too and drops the body afterwards: a HEAD
  // must not count as a download, fill the cache, or leave a tee'd R2 stream
  // buffering a tarball nobody reads.
  const headOnly = req.method === 'HEAD';

  const hit = await cache.match(cacheKey);
  if (hit) {
    const checksum = (hit.headers.get('etag') ?? '').replaceAll('"', '');
    if (ifNoneMatchHits(ifNoneMatch, checksum)) {
      await hit.body?.cancel();
      return notModified(checksum);
    }
    if (headOnly) {
      await hit.body?.cancel();
      const headers = new Headers(hit.headers);
      headers.delete('Cache-Tag');
      return new Response(null, { status: 200, headers });
    }
    countDownload(deps.env, deps.ctx, name, version);
    const headers = new Headers(hit.headers);
    headers.delete('Cache-Tag');
    return new Response(hit.body, { status: 200, headers });
  }

  const row = await findTarball(deps.db.query, name, version);
  if (!row) throw notFound(`No version "${version}" of "${name}".`);
  if (row.takenDown) throw takenDown(`${name} ${version}`, row.takenDown);
  if (ifNoneMatchHits(ifNoneMatch, row.checksum)) return notModified(row.checksum);
  if (headOnly) {
    return new Response(null, { status: 200, headers: tarballHeaders(name, version, row.checksum, row.sizeBytes) });
  }
  const object = await deps.env.TARBALLS.get(row.r2Key);
  if (!object) throw new Error(`tarball missing from R2: ${row.r2Key}`);

  const headers = tarballHeaders(name, version, row.checksum, object.size);
  // Two readers of one R2 stream: the client and the cache. Nothing is buffered whole.
  const [forClient, forCache] = object.body.tee();
  // Tagged like the version's replies, so a takedown's purge (src/lib/edge-cache.ts)
  // reaches this copy in every data centre, not only the one it ran in.
  const cached = new Headers(headers);
  cached.set('Cache-Tag', [packageTag(name), versionTag(name, version)].join(','));
  deps.ctx.waitUntil(
    cache
      .put(cacheKey, new Response(forCache, { headers: cached }))
      .then(() => dropIfGone(deps.env, cacheKey, name, version))
      .catch((err: unknown) => {
        log.error('edge cache put failed', err);
      }),
  );
  countDownload(deps.env, deps.ctx, name, version);
  return new Response(forClient.pipeThrough(new FixedLengthStream(object.size)), { status: 200, headers });
}

/**
 * A takedown or deletion that committed while the copy was still streaming in
 * purged before the copy existed, and cache hits never ask the database: look
 * once more now that it is written, and drop it unless the version is still
 * served. Once per cache fill, never per hit; its own connection, because the
 * request's closes when the reply is sent.
 */
async function dropIfGone(env: Env, cacheKey: Request, name: string, version: string): Promise<void> {
  const db = databaseFor(loadConfig(env));
  try {
    const row = await findTarball(db.query, name, version);
    if (!row || row.takenDown) await caches.default.delete(cacheKey);
  } finally {
    await db.close().catch(() => {});
  }
}

/** Drops this data centre's cached copy of a download at once (the tag purge reaches the others). */
export async function forgetCachedTarball(origin: string, name: string, version: string): Promise<void> {
  await caches.default.delete(downloadCacheKey(origin, name, version));
}
