// Bodies on this API and the site's forms are small; refuse big ones before
// reading them, so a 100 MB "username" costs nothing. Publishing declares
// `body: 'streamed'` and enforces its own, much larger, cap while streaming
// (MAX_TARBALL_BYTES).
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { routeLimitsOf } from './route-limits';

const MAX_SMALL_BODY_BYTES = 64 * 1024;

/** Checks Content-Length first, and counts the bytes as they are read when it is absent or lies. */
export const capSmallBody = bodyLimit({
  maxSize: MAX_SMALL_BODY_BYTES,
  onError: () => {
    throw new ApiError('payload_too_large', `Request bodies are limited to ${MAX_SMALL_BODY_BYTES / 1024} KiB.`);
  },
});

/** On /api/v1/*: the cap the serving route declared (see route-limits.ts). */
export const limitBodies = createMiddleware<AppEnv>(async (c, next) => {
  if (routeLimitsOf(c).body === 'streamed') return next();
  return capSmallBody(c, next);
});
