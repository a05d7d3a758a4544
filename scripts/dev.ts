// `npm run dev`: the whole registry on one machine with nothing else installed
// (see scripts/lib/stack.ts). JWT_SECRET and WEBHOOK_SECRET_KEY are generated
// into the ignored .dev.vars on first run. RAVEN_STATE_DIR (default
// .wrangler/state) holds everything the stack keeps between runs: the Postgres
// data and its passwords, and Miniflare's R2, Durable Objects and queues.
// Delete it to start fresh; data survives restarts otherwise. ADMIN_USERNAMES
// in the environment names the local operators (wrangler's --var, since
// .dev.vars keeps wrangler from reading the environment itself).
import { startStack } from './lib/stack.ts';

const log = (message: string) => console.log(`[raven dev] ${message}`);

async function main(): Promise<void> {
  const stack = await startStack({
    port: Number(process.env.PORT ?? 8787),
    stateDir: process.env.RAVEN_STATE_DIR,
    databaseUrl: process.env.DATABASE_URL,
    vars: process.env.ADMIN_USERNAMES ? { ADMIN_USERNAMES: process.env.ADMIN_USERNAMES } : undefined,
    log,
  });
  const shutdown = (code: number) => void stack.stop().then(() => process.exit(code));
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  stack.wrangler.on('exit', (code) => shutdown(code ?? 0));
}

main().catch((err) => {
  // One line saying what to do; a stack only for what nobody foresaw.
  console.error(`[raven dev] failed to start: ${err instanceof Error ? err.message : err}`);
  if (process.env.RAVEN_DEBUG) console.error(err);
  process.exit(1);
});
