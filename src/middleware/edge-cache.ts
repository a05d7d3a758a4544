// The last word on what the edge may store, applied to every response.
// Workers Cache stores a 200 without Cache-Control for two hours (RFC 9111
// heuristics), so "nothing said" must never reach it: only a successful,
// anonymous reply that a route marked `public` stays shareable. Errors
// (429s included), anything sent with credentials or setting a cookie, and
// every unmarked route become `private, no-store`, so no user's reply can be
// served to another and no refusal outlives its moment.
// Tarball downloads keep their immutable Cache-Control for clients but are
// kept out of the tiered cache, so every download still runs the Worker and is
// counted (the Worker serves them from its own Cache API copy).
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { EDGE_HEADER, NO_STORE } from '../lib/edge-cache';

const DOWNLOAD = /^\/api\/v1\/packages\/[^/]+\/[^/]+\/download\/?$/;

export const edgeCachePolicy = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const res = c.res;
  const said = res.headers.get('cache-control') ?? '';
  const shareable =
    res.status < 400 && /\bpublic\b/i.test(said) && !c.req.header('authorization') && !res.headers.has('set-cookie');
  if (!shareable) {
    // A route's own `no-store` already says it; anything else is replaced.
    if (!/\bno-store\b/i.test(said) || /\bpublic\b/i.test(said)) c.header('Cache-Control', NO_STORE);
    c.header(EDGE_HEADER, undefined);
    c.header('Cache-Tag', undefined);
  } else if (DOWNLOAD.test(c.req.path)) {
    c.header(EDGE_HEADER, 'no-store');
  }
});
