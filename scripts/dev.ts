// `npm run dev`: the whole registry on one machine with nothing else installed.
//   - an embedded PostgreSQL under .wrangler/state/postgres (or DATABASE_URL if set),
//   - migrations from drizzle/ applied,
//   - the WebSocket->TCP proxy the Neon driver uses to reach it,
//   - `wrangler dev` with R2 and Durable Objects simulated under .wrangler/state,
//   - a JWT_SECRET generated into the ignored .dev.vars on first run.
// Delete .wrangler/state to start fresh; data survives restarts otherwise.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations } from './lib/migrate.ts';
import { freePort } from './lib/ports.ts';
import { type LocalPostgres, startLocalPostgres } from './lib/postgres.ts';
import { startWsProxy } from './lib/ws-proxy.ts';

const root = join(import.meta.dirname, '..');
const stateDir = join(root, '.wrangler', 'state');
const port = Number(process.env.PORT ?? 8787);

function ensureDevVars(): void {
  const path = join(root, '.dev.vars');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (/^JWT_SECRET=.+$/m.test(current)) return;
  const line = `JWT_SECRET=${randomBytes(32).toString('hex')}\n`;
  writeFileSync(path, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${line}`, { mode: 0o600 });
  log('generated JWT_SECRET into .dev.vars');
}

/** A Postgres killed without a clean shutdown leaves a pid file that blocks the next start. */
function clearStalePidFile(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    rmSync(pidFile);
  }
}

function log(message: string): void {
  console.log(`[raven dev] ${message}`);
}

async function main(): Promise<void> {
  ensureDevVars();
  let postgres: LocalPostgres | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    log('using the Postgres in DATABASE_URL');
  } else {
    const dataDir = join(stateDir, 'postgres');
    clearStalePidFile(dataDir);
    postgres = await startLocalPostgres({ dataDir, port: await freePort(), persistent: true });
    databaseUrl = postgres.url;
    log(`embedded Postgres on 127.0.0.1:${postgres.port} (data in .wrangler/state/postgres)`);
  }
  await applyMigrations(databaseUrl);
  log('migrations applied');

  const target = new URL(databaseUrl);
  const proxy = await startWsProxy({ host: target.hostname, port: Number(target.port || 5432) });

  const wrangler = spawn(
    join(root, 'node_modules', '.bin', 'wrangler'),
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      stateDir,
      '--var',
      `DATABASE_URL:${databaseUrl}`,
      '--var',
      `WS_PROXY:${proxy.address}`,
      '--show-interactive-dev-session=false',
    ],
    { cwd: root, stdio: 'inherit', env: process.env },
  );

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (wrangler.exitCode === null) wrangler.kill('SIGTERM');
    await proxy.close();
    await postgres?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  wrangler.on('exit', (code) => void stop(code ?? 0));
}

main().catch((err) => {
  console.error('[raven dev] failed to start:', err);
  process.exit(1);
});
