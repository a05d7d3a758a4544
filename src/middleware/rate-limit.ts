import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

/** Placeholder until the rate-limit work lands (RateLimiter Durable Object). */
export const rateLimit = createMiddleware<AppEnv>(async (_c, next) => {
  await next();
});
