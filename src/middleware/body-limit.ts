// JSON bodies on this API are small; refuse big ones before parsing them so a
// 100 MB "username" costs nothing. Publishing has its own, much larger, cap
// enforced while streaming (MAX_TARBALL_BYTES).
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';

const MAX_JSON_BODY_BYTES = 64 * 1024;

const jsonLimit = bodyLimit({
  maxSize: MAX_JSON_BODY_BYTES,
  onError: () => {
    throw new ApiError('payload_too_large', `Request bodies are limited to ${MAX_JSON_BODY_BYTES / 1024} KiB.`);
  },
});

export const limitJsonBodies = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.path.endsWith('/packages/publish')) return next();
  return jsonLimit(c, next);
});
