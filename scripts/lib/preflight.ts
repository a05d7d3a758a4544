// What `npm install` makes that `npm ci --ignore-scripts` skips: hash-wasm's
// binaries (scripts/extract-wasm.ts) that the Worker imports. Without them
// esbuild fails deep inside the bundle; this says what to run instead.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const GENERATED = [
  'src/generated/wasm/argon2.wasm',
  'src/generated/wasm/blake2b.wasm',
  'src/generated/wasm/manifest.ts',
];

/** One sentence on what is missing and how to make it, or undefined when all is there. */
export function generatedFilesProblem(root: string): string | undefined {
  const missing = GENERATED.filter((path) => !existsSync(join(root, path)));
  if (missing.length === 0) return undefined;
  return (
    `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (the install skipped its scripts, ` +
    'e.g. `npm ci --ignore-scripts`): run `npm run postinstall` (or `node scripts/extract-wasm.ts`) once'
  );
}
