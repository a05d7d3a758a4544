// The local registry stack, shared by `npm run dev`, the end-to-end tests and
// the benchmarks: embedded Postgres (or DATABASE_URL), migrations, the
// WebSocket proxy, and `wrangler dev` with Miniflare's R2 and Durable Objects.
// Every entry point gets its secrets (.dev.vars) and its checks from here, so
// whichever one a fresh clone runs first works, or fails with one clear line.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig } from '../../src/config.ts';
import { buildAssets } from '../build-assets.ts';
import { applyMigrations } from './migrate.ts';
import { freePort } from './ports.ts';
import { type LocalPostgres, startLocalPostgres } from './postgres.ts';
import { generatedFilesProblem } from './preflight.ts';
import { ensureDevVars } from './secrets.ts';
import { startWsProxy, type WsProxy } from './ws-proxy.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface StackOptions {
  port: number;
  /** Where Postgres data, its passwords and Miniflare state live (RAVEN_STATE_DIR, default .wrangler/state). */
  stateDir?: string;
  /** A Postgres to use instead of the embedded one. */
  databaseUrl?: string;
  /** Extra Worker vars (e.g. rate limits for benchmarks). */
  vars?: Record<string, string>;
  /** Postgres settings, e.g. log_statement for round-trip counting. */
  postgresSettings?: Record<string, string>;
  /** Serve /__scheduled so a benchmark can run the cron on demand (wrangler's --test-scheduled). */
  testScheduled?: boolean;
  /** 'inherit' shows wrangler's output; 'ignore' keeps benchmarks quiet. */
  stdio?: 'inherit' | 'ignore';
  log?: (message: string) => void;
}

export interface Stack {
  url: string;
  /** The app role's URL, as the Worker connects. */
  databaseUrl: string;
  /** The owner's URL (migrations, instrumentation); DATABASE_URL itself when one was given. */
  ownerDatabaseUrl: string;
  proxy: WsProxy;
  postgres?: LocalPostgres;
  wrangler: ChildProcess;
  stop(): Promise<void>;
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

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => {});
  const stateDir = options.stateDir ?? join(ROOT, '.wrangler', 'state');
  const generated = generatedFilesProblem(ROOT);
  if (generated) throw new Error(generated);
  // Checked before anything starts: the values wrangler will hand the Worker, by the Worker's rules.
  const secrets = ensureDevVars(ROOT, log);
  const checked = checkConfig({ ...secrets, ...options.vars, DATABASE_URL: options.databaseUrl ?? 'postgres://local' });
  if (checked.error !== undefined) throw new Error(checked.error);

  let postgres: LocalPostgres | undefined;
  let databaseUrl = options.databaseUrl;
  let ownerDatabaseUrl = databaseUrl;
  if (databaseUrl) {
    log('using the Postgres in DATABASE_URL');
  } else {
    clearStalePidFile(join(stateDir, 'postgres'));
    postgres = await startLocalPostgres({
      stateDir,
      port: await freePort(),
      persistent: true,
      settings: options.postgresSettings,
    });
    databaseUrl = postgres.url;
    ownerDatabaseUrl = postgres.ownerUrl;
    log(`embedded Postgres on 127.0.0.1:${postgres.port} (data in ${join(stateDir, 'postgres')})`);
  }
  await applyMigrations(ownerDatabaseUrl!);
  log('migrations applied');
  // The pages import the manifest of hashed asset names and [assets] serves dist/assets/: rebuild both from web/static/.
  buildAssets();

  const target = new URL(databaseUrl);
  // Given the URL, the proxy opens warm connections for the SQL-over-HTTP stand-in before the first request.
  const proxy = await startWsProxy({ host: target.hostname, port: Number(target.port || 5432), databaseUrl });
  // WEBHOOKS_ALLOW_LOCAL: on this machine webhooks may target http://127.0.0.1:<port> receivers.
  const vars = { WEBHOOKS_ALLOW_LOCAL: 'true', ...options.vars, DATABASE_URL: databaseUrl, WS_PROXY: proxy.address };
  const wrangler = spawn(
    join(ROOT, 'node_modules', '.bin', 'wrangler'),
    [
      'dev',
      ...['--ip', '127.0.0.1', '--port', String(options.port), '--persist-to', stateDir],
      ...(options.testScheduled ? ['--test-scheduled'] : []),
      ...Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}:${value}`]),
      '--show-interactive-dev-session=false',
    ],
    { cwd: ROOT, stdio: options.stdio ?? 'inherit', env: process.env },
  );

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (wrangler.exitCode === null) {
        const exited = new Promise((resolve) => wrangler.once('exit', resolve));
        wrangler.kill('SIGTERM');
        await exited;
      }
      await proxy.close();
      await postgres?.stop();
    })();
    return stopped;
  };
  return {
    url: `http://127.0.0.1:${options.port}`,
    databaseUrl,
    ownerDatabaseUrl: ownerDatabaseUrl!,
    proxy,
    postgres,
    wrangler,
    stop,
  };
}

/** Polls /health until the Worker answers (wrangler takes a few seconds to boot). */
export async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok && (await res.text()) === 'OK') return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the registry at ${url} did not become healthy within ${timeoutMs} ms`);
}
