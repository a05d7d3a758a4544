// First middleware: request id, config, the per-request database handle, and
// the one structured log line per request. Nothing secret is ever logged: the
// route pattern is logged, not the URL, and no headers or bodies.
import { createMiddleware } from 'hono/factory';
import { loadConfig } from '../config';
import { databaseFor } from '../db/client';
import type { AppEnv } from '../env';
import { log } from '../lib/log';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;
// Hono's c.json() says bare `application/json`; API.md's ground rules spell out the charset.
const JSON_TYPE = 'application/json; charset=utf-8';

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const incoming = c.req.header('x-request-id');
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  c.set('requestId', requestId);
  c.set('auth', undefined);
  const config = loadConfig(c.env);
  c.set('config', config);
  const db = databaseFor(config);
  c.set('db', db);
  try {
    await next();
  } finally {
    c.header('X-Request-Id', requestId);
    if (c.res.headers.get('content-type') === 'application/json') c.header('Content-Type', JSON_TYPE);
    c.executionCtx.waitUntil(db.close().catch(() => {}));
    log.info('request', {
      request_id: requestId,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      duration_ms: Date.now() - started,
      user_id: c.get('auth')?.userId,
    });
  }
});
