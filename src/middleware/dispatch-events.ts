// After a successful write under /packages, dispatch the webhook events that
// request recorded (outbox -> deliveries -> queue) in the background: delivery
// never slows the request. Events are picked by actor, so a request only pays
// for its own; anything left behind (a crash, a failed queue send) is the cron
// sweeper's.
import { createMiddleware } from 'hono/factory';
import type { Config } from '../config';
import { databaseFor } from '../db/client';
import type { AppEnv } from '../env';
import { log } from '../lib/log';
import { dispatchEvents } from '../services/events';

export const dispatchEventsAfterWrite = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const auth = c.get('auth');
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || !auth || c.res.status >= 300) return;
  c.executionCtx.waitUntil(dispatchForActor(c.env, c.var.config, auth.userId));
});

export async function dispatchForActor(env: Env, config: Config, actorId: string): Promise<void> {
  // The request's own database handle is closed once the response is sent.
  const db = databaseFor(config);
  try {
    await dispatchEvents(db.query, env.WEBHOOK_QUEUE, { actorId }, config.WEBHOOK_EVENTS_PER_PACKAGE_PER_HOUR);
  } catch (err) {
    log.error('webhook dispatch failed; the sweeper will retry', err);
  } finally {
    await db.close().catch(() => {});
  }
}
