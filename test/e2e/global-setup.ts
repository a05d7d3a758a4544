// Starts the registry exactly as a newcomer does: `npm run dev`, on a free
// port, with a fresh state directory. The journey then talks to it over HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../scripts/lib/ports.ts';
import { ROOT, waitForHealth } from '../../scripts/lib/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    registryUrl: string;
    /** RAVEN_STATE_DIR of that `npm run dev`, and the port its embedded Postgres took. */
    stateDir: string;
    postgresPort: number;
    /** The one username in that stack's ADMIN_USERNAMES; nobody has it until a test registers it. */
    operatorUsername: string;
  }
}

/** Fixed and unlikely: the operator journeys register it in a fresh state directory. */
const OPERATOR = 'raven-ops-e2e';

export default async function setup(project: TestProject) {
  const stateDir = mkdtempSync(join(tmpdir(), 'raven-e2e-'));
  chmodSync(stateDir, 0o755); // the embedded Postgres runs as its own user when we are root
  const port = await freePort();
  const output: string[] = [];
  const dev: ChildProcess = spawn('npm', ['run', 'dev'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), RAVEN_STATE_DIR: stateDir, ADMIN_USERNAMES: OPERATOR },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [dev.stdout, dev.stderr]) stream?.on('data', (chunk) => output.push(String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, 120_000);
  } catch (err) {
    process.kill(-dev.pid!, 'SIGKILL');
    throw new Error(`npm run dev did not come up:\n${output.join('').slice(-4000)}\n${err}`);
  }
  project.provide('registryUrl', url);
  project.provide('stateDir', stateDir);
  project.provide('operatorUsername', OPERATOR);
  const postgresPort = /embedded Postgres on 127\.0\.0\.1:(\d+)/.exec(output.join(''))?.[1];
  if (!postgresPort) {
    process.kill(-dev.pid!, 'SIGKILL');
    throw new Error(`npm run dev did not say where its Postgres is:\n${output.join('')}`);
  }
  project.provide('postgresPort', Number(postgresPort));

  return async () => {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    process.kill(-dev.pid!, 'SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    dev.stdout?.destroy();
    dev.stderr?.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  };
}
