// How every page leaves the Worker: HTML with the site's security headers and
// a cache policy. Public pages are cacheable and tagged with what they show, so
// a later purge by tag can refresh them; errors are never stored.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Scripts, styles and fonts only from this origin; README images may come from any https host. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/** Browsers keep a page a minute; the edge keeps it five and may serve it stale while refreshing. */
const PAGE_CACHE = 'public, max-age=60, s-maxage=300, stale-while-revalidate=600';
const NO_STORE = 'private, no-store';

export type CachePolicy = { tags: string[] } | 'no-store';

function securityHeaders(c: Context): void {
  c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'strict-origin-when-cross-origin');
}

/** Cache tags: one per package a page shows, plus the list tags given. Deduplicated. */
export const packageTags = (names: Iterable<string>) => [...new Set(names)].map((name) => `pkg:${name}`);

export function sendPage(
  c: Context,
  body: string | Promise<string>,
  cache: CachePolicy,
  status: ContentfulStatusCode = 200,
): Response | Promise<Response> {
  securityHeaders(c);
  if (cache === 'no-store') {
    c.header('Cache-Control', NO_STORE);
  } else {
    c.header('Cache-Control', PAGE_CACHE);
    if (cache.tags.length) c.header('Cache-Tag', [...new Set(cache.tags)].join(','));
  }
  return c.html(body, status);
}
