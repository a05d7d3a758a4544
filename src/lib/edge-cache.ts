// Edge caching (Workers Cache, `[cache] enabled = true`): Cloudflare's tiered
// cache answers a fresh cached response without running the Worker. Only the
// install path (package info, version info, index) is public; everything else
// is `private, no-store` (src/middleware/edge-cache.ts enforces that). Writes
// purge the tags of what they changed once their transaction has committed.
//
// Header choices, from Cloudflare's Workers Cache docs:
//   - Cloudflare-CDN-Cache-Control wins over Cache-Control at the edge and is
//     stripped before the client sees it, so browsers and the CLI get a short
//     `max-age` while the edge keeps a reply longer. (An `s-maxage` in
//     Cache-Control would do the same but disables stale-while-revalidate and
//     serve-stale-on-error at the edge.)
//   - Cache-Tag names what a purge can reach; Cloudflare strips it too.
//   - Tarball downloads must reach the Worker to be counted: their
//     Cloudflare-CDN-Cache-Control is `no-store`, so the tiered cache never
//     keeps them, while their Cache-Control stays immutable for clients.

import { ifNoneMatchHits } from './etag';
import { log } from './log';

/** What clients (browsers, the CLI, other proxies) may keep: a minute, then revalidate in the background. */
const CLIENT_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300';
/**
 * What the edge may keep. Writes purge at once; five minutes bounds how stale a
 * reply can get when a purge fails (purges are rate limited) and how old the
 * download counts in a cached reply are.
 */
const EDGE_CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=3600';
/** Errors, refusals, anything authenticated, and every route not on the install path. */
export const NO_STORE = 'private, no-store';
export const EDGE_HEADER = 'Cloudflare-CDN-Cache-Control';

export const packageTag = (name: string) => `pkg:${name}`;
export const versionTag = (name: string, version: string) => `pkg:${name}@${version}`;
/** The index's config.json: changes only with a deploy. */
export const INDEX_CONFIG_TAG = 'index-config';

/** Headers of a public, edge-cacheable install-path reply. */
function publicCacheHeaders(tags: string[], etag: string): Record<string, string> {
  return {
    'Cache-Control': CLIENT_CACHE_CONTROL,
    [EDGE_HEADER]: EDGE_CACHE_CONTROL,
    'Cache-Tag': tags.join(','),
    ETag: etag,
  };
}

/** A strong ETag for a reply body: its SHA-256, quoted (RFC 9110). */
async function bodyEtag(body: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body));
  return `"${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')}"`;
}

/**
 * A public install-path reply: the body with its strong ETag, or `304` (same
 * headers, no body) when If-None-Match already names it, so the edge and the
 * CLI revalidate for the price of one small read.
 */
export async function publicReply(
  body: string,
  tags: string[],
  ifNoneMatch: string | undefined,
  contentType = 'application/json; charset=utf-8',
): Promise<Response> {
  const etag = await bodyEtag(body);
  const headers = publicCacheHeaders(tags, etag);
  if (ifNoneMatchHits(ifNoneMatch, etag.slice(1, -1))) return new Response(null, { status: 304, headers });
  return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': contentType } });
}

/**
 * Purges the edge's copies tagged with any of `tags`. Call after the write's
 * transaction has committed (a purge before it lets a read refill the cache
 * with the old state). Never throws: the write has happened, and a failed
 * purge only leaves replies stale until EDGE_CACHE_CONTROL's max-age.
 */
export async function purgeTags(ctx: object, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  // The Worker's ExecutionContext (Hono's type for it does not declare `cache`;
  // Miniflare's lacks it today).
  const cache = (ctx as { cache?: CacheContext } | undefined)?.cache;
  if (!cache || typeof cache.purge !== 'function') {
    // Miniflare (wrangler dev, tests) has no purge yet: say what it would do.
    log.info('edge cache purge (not available here)', { tags });
    return;
  }
  try {
    const result = await cache.purge({ tags });
    if (!result.success) {
      const errors = result.errors.map((e) => e.message);
      log.error('edge cache purge refused', undefined, { tags, errors });
    }
  } catch (err) {
    log.error('edge cache purge failed', err, { tags });
  }
}
