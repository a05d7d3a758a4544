// `npm run dev`: the whole registry on one machine with nothing else installed
// (see scripts/lib/stack.ts). A JWT_SECRET is generated into the ignored
// .dev.vars on first run. Delete .wrangler/state to start fresh; data survives
// restarts otherwise. RAVEN_STATE_DIR moves the state elsewhere.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startStack } from './lib/stack.ts';

const log = (message: string) => console.log(`[raven dev] ${message}`);

function ensureDevVars(): void {
  const path = join(ROOT, '.dev.vars');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (/^JWT_SECRET=.+$/m.test(current)) return;
  const line = `JWT_SECRET=${randomBytes(32).toString('hex')}\n`;
  writeFileSync(path, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${line}`, { mode: 0o600 });
  log('generated JWT_SECRET into .dev.vars');
}

async function main(): Promise<void> {
  ensureDevVars();
  const stack = await startStack({
    port: Number(process.env.PORT ?? 8787),
    stateDir: process.env.RAVEN_STATE_DIR,
    databaseUrl: process.env.DATABASE_URL,
    log,
  });
  const shutdown = (code: number) => void stack.stop().then(() => process.exit(code));
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  stack.wrangler.on('exit', (code) => shutdown(code ?? 0));
}

main().catch((err) => {
  console.error('[raven dev] failed to start:', err);
  process.exit(1);
});
