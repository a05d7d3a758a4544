// Serving a tarball download: the Worker's own edge-cache copy first (no
// database, no R2), then one single-statement read and the R2 object, streamed
// to the client and the cache at once. Every served GET is counted; HEAD and
// 304s are not. Parameters are validated by the route before anything here runs,
// so a malformed name can never become a cache key or a counted download.
import type { Database } from '../db/client';
import { notFound } from '../errors';
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
export const downloadCacheKey = (origin: string, name: string, version: string) =>
  new Request(`${origin}/api/v1/packages/${name}/${version}/download`, { method: 'GET' });

/**
 * Forgets this data centre's cached copies of deleted versions' tarballs. The
 * Cache API is per data centre and has no global purge: copies elsewhere stay
 * until evicted, but each one is served only where it was stored.
 */
export async function forgetTarballs(origin: string, name: string, versions: string[]): Promise<void> {
  await Promise.all(
    versions.map((v) =>
      caches.default.delete(downloadCacheKey(origin, name, v)).catch((err: unknown) => {
        log.error('edge cache delete failed', err);
      }),
    ),
  );
}

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
      return new Response(null, { status: 200, headers: new Headers(hit.headers) });
    }
    countDownload(deps.env, deps.ctx, name, version);
    return new Response(hit.body, { status: 200, headers: new Headers(hit.headers) });
  }

  const row = await findTarball(deps.db.query, name, version);
  if (!row) throw notFound(`No version "${version}" of "${name}".`);
  if (ifNoneMatchHits(ifNoneMatch, row.checksum)) return notModified(row.checksum);
  if (headOnly) {
    return new Response(null, { status: 200, headers: tarballHeaders(name, version, row.checksum, row.sizeBytes) });
  }
  const object = await deps.env.TARBALLS.get(row.r2Key);
  if (!object) throw new Error(`tarball missing from R2: ${row.r2Key}`);

  const headers = tarballHeaders(name, version, row.checksum, object.size);
  // Two readers of one R2 stream: the client and the cache. Nothing is buffered whole.
  const [forClient, forCache] = object.body.tee();
  deps.ctx.waitUntil(
    cache.put(cacheKey, new Response(forCache, { headers })).catch((err: unknown) => {
      log.error('edge cache put failed', err);
    }),
  );
  countDownload(deps.env, deps.ctx, name, version);
  return new Response(forClient.pipeThrough(new FixedLengthStream(object.size)), { status: 200, headers });
}
