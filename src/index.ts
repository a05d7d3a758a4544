// Worker entry: the Hono app, plus the Durable Object classes wrangler binds.
import { createApp } from './app';

export { DownloadCounter } from './durable-objects/download-counter';
export { RateLimiter } from './durable-objects/rate-limiter';

export default createApp();
