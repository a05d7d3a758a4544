// The install path over real HTTP against `npm run dev`: 30 packages, installed
// three times from one address with the CLI's exact request sequence (for each
// dependency one GET /packages/:name, then the tarball twice: once to read its
// raven.toml, once to install), never throttled; then the same tree installed
// from the resolution index alone by the example resolver in docs/index.md.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import semver from 'semver';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { installFromIndex } from '../../scripts/lib/index-resolver.mjs';
import { metadataFromTarball, publish } from '../../scripts/lib/raven-client.ts';
import { cargoToNodeRange } from '../../src/lib/versions.ts';

const base = () => `${inject('registryUrl')}/api/v1`;
const PACKAGES = 30;
/** New package names are limited to 10 an hour per user, so three publishers share the 30. */
const PER_PUBLISHER = 10;
const stamp = Date.now().toString(36);
const nameOf = (i: number) => `inst-${stamp}-p${i}`;
/** A binary tree: package i depends on 2i+1 and 2i+2, so the root pulls in all 30. */
const depsOf = (i: number) => [2 * i + 1, 2 * i + 2].filter((j) => j < PACKAGES);

async function tarball(i: number): Promise<Uint8Array> {
  const deps = depsOf(i)
    .map((j) => `${nameOf(j)} = "^1.0"`)
    .join('\n');
  const toml = `[package]\nname = "${nameOf(i)}"\nversion = "1.0.0"\nauthors = ["e2e"]\nlicense = "MIT"\ndescription = "Install path package ${i}"\n\n[dependencies]\n${deps}\n`;
  const source = `// package ${i}\n`;
  const tar = await packTar([
    { header: { name: 'raven.toml', size: Buffer.byteLength(toml), type: 'file' }, body: toml },
    { header: { name: 'src/lib.raven', size: Buffer.byteLength(source), type: 'file' }, body: source },
  ]);
  return new Uint8Array(gzipSync(tar));
}

const checksums = new Map<string, string>();

beforeAll(async () => {
  for (let p = 0; p < PACKAGES / PER_PUBLISHER; p++) {
    const username = `inst-${stamp}-${p}`;
    const reg = await fetch(`${base()}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, email: `${username}@example.test`, password: 'install path passphrase' }),
    });
    expect(reg.status).toBe(201);
    const { token } = (await reg.json()) as { token: string };
    for (let i = p * PER_PUBLISHER; i < (p + 1) * PER_PUBLISHER; i++) {
      const bytes = await tarball(i);
      const res = await publish(base(), token, bytes);
      expect(res.status, `${nameOf(i)}: ${await res.clone().text()}`).toBe(201);
      checksums.set(nameOf(i), createHash('sha256').update(bytes).digest('hex'));
    }
  }
}, 120_000);

/** `raven pkg install`: one package read per dependency, then the tarball twice. Returns what it installed. */
async function cliInstall(counts: { requests: number; statuses: number[] }) {
  const get = async (url: string) => {
    const res = await fetch(url);
    counts.requests += 1;
    counts.statuses.push(res.status);
    return res;
  };
  const installed = new Map<string, string>();
  const queue: [string, string][] = [[nameOf(0), '^1.0']];
  while (queue.length > 0) {
    const [name, req] = queue.shift()!;
    if (installed.has(name)) continue;
    const info = await get(`${base()}/packages/${name}`);
    expect(info.status, name).toBe(200);
    expect(info.headers.get('x-ratelimit-limit')).toBe('5000');
    const { versions } = (await info.json()) as { versions: string[] };
    const version = versions.filter((v) => semver.satisfies(v, cargoToNodeRange(req))).at(-1)!;
    const url = `${base()}/packages/${name}/${version}/download`;
    const manifest = new Uint8Array(await (await get(url)).arrayBuffer());
    const bytes = new Uint8Array(await (await get(url)).arrayBuffer());
    expect(bytes).toEqual(manifest);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(checksums.get(name));
    installed.set(name, version);
    for (const [dep, spec] of Object.entries((await metadataFromTarball(manifest)).dependencies)) {
      queue.push([dep, String(spec)]);
    }
  }
  return installed;
}

describe('the install path', () => {
  it('installs 30 packages three times from one address with no 429', async () => {
    const counts = { requests: 0, statuses: [] as number[] };
    for (let round = 0; round < 3; round++) {
      const installed = await cliInstall(counts);
      expect(installed.size).toBe(PACKAGES);
    }
    // 90 package reads (the old anonymous budget was 60 an hour) and 180 downloads.
    expect(counts.requests).toBe(3 * PACKAGES * 3);
    expect(counts.statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('the example resolver in docs/index.md installs the tree from the index alone, checksums verified', async () => {
    const saved = new Map<string, Uint8Array>();
    const requested: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      requested.push(String(input));
      return realFetch(input, init);
    };
    let installed: Map<string, string>;
    try {
      installed = await installFromIndex(base(), nameOf(0), '1.0', (name, _version, bytes) => saved.set(name, bytes));
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(installed.size).toBe(PACKAGES);
    expect([...installed.values()].every((v) => v === '1.0.0')).toBe(true);
    for (const [name, bytes] of saved) {
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(checksums.get(name));
    }
    // config.json, then one index read and one download per package.
    expect(requested.filter((u) => u.endsWith('/index/config.json'))).toHaveLength(1);
    expect(requested.filter((u) => /\/index\/inst-/.test(u))).toHaveLength(PACKAGES);
    expect(requested.filter((u) => u.endsWith('/download'))).toHaveLength(PACKAGES);
    expect(requested).toHaveLength(1 + 2 * PACKAGES);
  });
});
