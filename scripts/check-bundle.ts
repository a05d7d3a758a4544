// `npm run build`: bundles the Worker exactly as `wrangler deploy` would
// (--dry-run, nothing uploaded) and fails when the gzipped upload exceeds the
// Workers size limit, so a dependency that balloons the bundle fails CI, not
// a deploy.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildAssets } from './build-assets.ts';
import { ROOT } from './lib/stack.ts';

// Workers Paid: 10 MB compressed; Free: 3 MB. This registry targets Paid (Argon2 needs the CPU).
const LIMIT_BYTES = 10 * 1024 * 1024;
const FREE_PLAN_BYTES = 3 * 1024 * 1024;

buildAssets();
const outDir = mkdtempSync(join(tmpdir(), 'raven-bundle-'));
try {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', outDir], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const files = readdirSync(outDir).filter((f) => !f.endsWith('.map') && f !== 'README.md');
  let raw = 0;
  let gzipped = 0;
  for (const file of files) {
    const path = join(outDir, file);
    raw += statSync(path).size;
    gzipped += gzipSync(readFileSync(path), { level: 9 }).length;
  }
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(
    `worker bundle: ${files.length} files, ${kib(raw)} raw, ${kib(gzipped)} gzipped (limit ${kib(LIMIT_BYTES)})`,
  );
  if (gzipped > FREE_PLAN_BYTES)
    console.log('note: over the Free plan limit; fine on Workers Paid, which this targets');
  if (gzipped > LIMIT_BYTES) {
    console.error('the bundle exceeds the Workers size limit');
    process.exit(1);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
