// Worker entry: HTTP (the Hono app), the webhook queue's consumer, the cron
// sweeper (webhook outbox, storage upkeep), plus the Durable Object classes wrangler binds.
import { createApp } from './app';
import { handleWebhookBatch } from './queue/consumer';
import { sweep } from './queue/sweeper';

export { DownloadCounter } from './durable-objects/download-counter';
export { RateLimiter } from './durable-objects/rate-limiter';

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await handleWebhookBatch(batch, env);
  },
  async scheduled(controller, env) {
    await sweep(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
