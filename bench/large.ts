// `npm run bench:large`: time and workerd memory to publish 10 MiB and 50 MiB
// tarballs and to download a 50 MiB one, under `wrangler dev` (issue: "never
// buffer a whole tarball"). Memory is workerd's resident set, sampled every
// 20 ms during each operation, reported as the peak above the level before it.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../scripts/lib/ports.ts';
import { publish } from '../scripts/lib/raven-client.ts';
import { startStack, waitForHealth } from '../scripts/lib/stack.ts';
import { syntheticTarball } from './lib/seed.ts';

const MiB = 1024 * 1024;

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}

function rssBytes(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // process ended
    }
  }
  return total;
}

async function measure<T>(pids: number[], work: () => Promise<T>) {
  const before = rssBytes(pids);
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pids));
  }, 20);
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, rssBytes(pids));
  return {
    result,
    ms: Math.round(ms),
    peakAboveMiB: Math.round(((peak - before) / MiB) * 10) / 10,
    rssMiB: Math.round(peak / MiB),
  };
}

async function main() {
  const stateDir = mkdtempSync(join(tmpdir(), 'raven-large-'));
  chmodSync(stateDir, 0o755);
  const stack = await startStack({ port: await freePort(), stateDir, stdio: 'ignore' });
  try {
    await waitForHealth(stack.url);
    const api = `${stack.url}/api/v1`;
    const reg = await fetch(`${api}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'large', email: 'large@bench.test', password: 'large passphrase 1' }),
    }).then((r) => r.json() as Promise<{ token: string }>);
    const workerd = descendants(stack.wrangler.pid!).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd');
      } catch {
        return false;
      }
    });
    const rows = [];
    for (const [size, version] of [
      [10 * MiB, '1.0.0'],
      [50 * MiB - 64 * 1024, '2.0.0'],
    ] as const) {
      const tarball = await syntheticTarball('large-pkg', version, size);
      const { result, ms, peakAboveMiB, rssMiB } = await measure(workerd, () => publish(api, reg.token, tarball));
      rows.push({
        op: `publish ${(tarball.length / MiB).toFixed(1)} MiB`,
        status: result.status,
        ms,
        peakAboveMiB,
        rssMiB,
      });
    }
    for (const label of ['cold', 'warm']) {
      const { result, ms, peakAboveMiB, rssMiB } = await measure(workerd, async () => {
        const res = await fetch(`${api}/packages/large-pkg/2.0.0/download`);
        const bytes = (await res.arrayBuffer()).byteLength;
        return { status: res.status, bytes };
      });
      rows.push({ op: `download 50 MiB (${label} cache)`, status: result.status, ms, peakAboveMiB, rssMiB });
    }
    console.table(rows);
  } finally {
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  // A start-up problem (a bad .dev.vars, an install that skipped its scripts) is one line that says what to do.
  console.error(process.env.RAVEN_DEBUG || !(err instanceof Error) ? err : err.message);
  process.exit(1);
});
