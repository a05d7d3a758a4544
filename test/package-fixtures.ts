// Node side (global setup): reads the real `raven pkg` fixtures (test/fixtures/)
// so tests in workerd get their exact bytes (workerd cannot read the host disk).
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/ravensone-packages');

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return files.flat();
}

export async function readPackageFixtures(): Promise<Record<string, string>> {
  const files = await walk(FIXTURE_DIR);
  const out: Record<string, string> = {};
  for (const file of files.sort()) {
    out[relative(FIXTURE_DIR, file)] = (await readFile(file)).toString('base64');
  }
  if (!Object.keys(out).some((k) => k.endsWith('.tar.gz'))) throw new Error(`no fixture tarballs in ${FIXTURE_DIR}`);
  return out;
}
