// Installs a package tree from the registry's index alone: one index read per
// package, one download per tarball, every checksum verified. Node 22+ and `semver`.
// First match wins (no backtracking): enough to show the format, not a full resolver.
import { createHash } from 'node:crypto';
import semver from 'semver';

// Requirements follow Cargo: a bare `1.2` means `^1.2`, and commas join comparators.
const toRange = (req) =>
  req
    .split(',')
    .map((p) => p.trim().replace(/^(\d)/, '^$1'))
    .join(' ');

export async function installFromIndex(registry, name, req, save) {
  const { dl } = await (await fetch(`${registry}/index/config.json`)).json();
  const chosen = new Map();
  const queue = [[name, req]];
  while (queue.length > 0) {
    const [pkg, want] = queue.shift();
    if (chosen.has(pkg)) continue;
    const res = await fetch(`${registry}/index/${pkg}`);
    if (!res.ok) throw new Error(`${pkg}: index answered ${res.status}`);
    const lines = (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const fits = lines.filter((l) => !l.yanked && semver.satisfies(l.vers, toRange(want)));
    const best = fits.sort((a, b) => semver.compare(a.vers, b.vers)).at(-1);
    if (!best) throw new Error(`${pkg}: no version matches ${want}`);
    chosen.set(pkg, best.vers);
    const url = dl.replace('{name}', pkg).replace('{version}', best.vers);
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const sum = createHash('sha256').update(bytes).digest('hex');
    if (sum !== best.cksum) throw new Error(`${pkg}@${best.vers}: checksum mismatch`);
    await save(pkg, best.vers, bytes);
    for (const dep of best.deps) if (dep.kind === 'normal' && !dep.optional) queue.push([dep.package, dep.req]);
  }
  return chosen;
}
