// Worker entry: HTTP (the Hono app), the webhook queue's consumer, the cron
// sweeper (webhook outbox, storage upkeep), plus the Durable Object classes wrangler binds.
import { createApp } from './app';
import { ConfigError } from './config';
import { handleWebhookBatch } from './queue/consumer';
import { sweep } from './queue/sweeper';

export { DownloadCounter } from './durable-objects/download-counter';
export { RateLimiter } from './durable-objects/rate-limiter';

const app = createApp();

export default {
  fetch: app.fetch,
  // A bad setting is already one logged line (src/config.ts); rethrowing would
  // add a stack per batch and per minute. The messages come back once it is fixed.
  async queue(batch, env) {
    try {
      await handleWebhookBatch(batch, env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      batch.retryAll();
    }
  },
  async scheduled(controller, env, ctx) {
    try {
      await sweep(env, ctx, controller.scheduledTime);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
    }
  },
} satisfies ExportedHandler<Env>;
