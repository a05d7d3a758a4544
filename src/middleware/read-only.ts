// Read-only mode (REGISTRY_READ_ONLY="true"), for database maintenance: every
// write — any API request that is not GET/HEAD/OPTIONS, and every website form
// POST — answers 503 with Retry-After before any route runs, so nothing reaches
// the database's write path; reads keep working. Sign-in is refused too: it
// writes a token row.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { pageError } from '../web/account-routes';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Maintenance windows are minutes; clients (the CLI included) wait this long before retrying. */
const RETRY_AFTER_SECONDS = 300;

function readOnlyError(path: string): ApiError {
  const signIn = /\/(login|register|auth\/)/.test(path);
  const message = signIn
    ? 'The registry is in read-only mode for maintenance: signing in and signing up (which write a session) are paused too. Reads keep working; try again in a few minutes.'
    : 'The registry is in read-only mode for maintenance: writes are paused. Reads keep working; try again in a few minutes.';
  return new ApiError(
    'service_unavailable',
    message,
    undefined,
    { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    { retry_after: RETRY_AFTER_SECONDS },
  );
}

export const readOnlyMode = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.var.config.REGISTRY_READ_ONLY || READS.has(c.req.method)) return next();
  const err = readOnlyError(c.req.path);
  // API clients get the contract's JSON body; browsers the site's page saying the same.
  if (/^\/api(\/|$)/.test(c.req.path)) throw err;
  return pageError(err, c);
});
