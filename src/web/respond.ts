// How every page leaves the Worker: HTML with the site's security headers and
// a cache policy. Public pages are cacheable and tagged with what they show, so
// a later purge by tag can refresh them; errors are never stored.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Scripts, styles and fonts only from this origin; README images may come from any https host. */
const policy = (styleSrc: string) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    `style-src ${styleSrc}`,
    "img-src 'self' https: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');

/**
 * `strict` for every page. `inline-styles` is /docs alone: the API viewer (Scalar)
 * sets style attributes and injects <style> elements at run time, which no hash or
 * nonce can cover (Scalar's own CSP advice says the same). Scripts stay 'self' there
 * too, and the page shows only our own OpenAPI document, never user content.
 */
const POLICIES = { strict: policy("'self'"), 'inline-styles': policy("'self' 'unsafe-inline'") } as const;
export type StylePolicy = keyof typeof POLICIES;

/** Browsers keep a page a minute; the edge keeps it five and may serve it stale while refreshing. */
const PAGE_CACHE = 'public, max-age=60, s-maxage=300, stale-while-revalidate=600';
const NO_STORE = 'private, no-store';

export type CachePolicy = { tags: string[] } | 'no-store';

function securityHeaders(c: Context, styles: StylePolicy): void {
  c.header('Content-Security-Policy', POLICIES[styles]);
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
  styles: StylePolicy = 'strict',
): Response | Promise<Response> {
  securityHeaders(c, styles);
  if (cache === 'no-store') {
    c.header('Cache-Control', NO_STORE);
  } else {
    c.header('Cache-Control', PAGE_CACHE);
    if (cache.tags.length) c.header('Cache-Tag', [...new Set(cache.tags)].join(','));
  }
  return c.html(body, status);
}
