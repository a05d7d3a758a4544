// What the public-site browser tests read, put there through the API the way
// `raven pkg` does: a user, the RavensOne fixture tarballs, and a small family
// of packages that gives every page something to show: a dependency chain, a
// yanked version, a pre-release, a deprecated package and a README full of XSS
// payloads. Safe to call from several test files against one `npm run dev`:
// a name someone already holds is left alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar, type TarEntry } from 'modern-tar';
import { stringify as stringifyToml } from 'smol-toml';
import { metadataFromTarball, publish } from '../../scripts/lib/raven-client.ts';
import { ROOT } from '../../scripts/lib/stack.ts';

export const USER = 'wren-web';
const EMAIL = 'wren-web@example.test';
const PASSWORD = 'browser-suite-password-2026';

/** The chain the walk follows: `nestling` depends on `nest-core`; both are in the `ui` category. */
export const PKG = 'nestling';
export const DEP = 'nest-core';
export const XSS_PKG = 'nest-xss';
export const DEPRECATED_PKG = 'nest-old';
export const CATEGORY = 'ui';
export const DEPRECATION = 'Use nestling instead: it does everything nest-old did.';

/** Each payload, if it ever ran, would set `window.__xss` or open a dialog. */
const XSS_README = [
  '# nest-xss',
  '',
  'A package whose README tries every trick in the book.',
  '',
  '<script>window.__xss = 1; alert(1)</script>',
  '<img src="x" onerror="window.__xss = 2; alert(2)">',
  '<svg><script>window.__xss = 3</script></svg>',
  '<svg onload="window.__xss = 4"></svg>',
  '<iframe src="javascript:window.__xss = 5"></iframe>',
  '<a href="javascript:window.__xss = 6">click me</a>',
  '<a href="JaVaScRiPt&#58;window.__xss=7">entity click</a>',
  '<object data="data:text/html,<script>parent.__xss=8</script>"></object>',
  '<form action="javascript:window.__xss=9"><button>go</button></form>',
  '<style>body { display: none }</style>',
  '<div style="background:url(javascript:window.__xss=10)">styled</div>',
  '<<script>script>window.__xss = 11<</script>/script>',
  '',
  '[markdown link](javascript:window.__xss=12) and ![img](data:image/svg+xml,<svg onload=alert(13)>)',
  '',
  '<details open ontoggle="window.__xss = 14"><summary>toggle</summary>x</details>',
  '',
  '| column | value |',
  '| --- | --- |',
  '| a | <span onmouseover="window.__xss=15">b</span> |',
  '',
].join('\n');

const file = (name: string, body: string): TarEntry => {
  const data = new TextEncoder().encode(body);
  return { header: { name, size: data.byteLength, type: 'file', mode: 0o644 }, body: data };
};

async function tarball(
  name: string,
  version: string,
  opts: { description: string; readme?: string; deps?: Record<string, string>; dev?: Record<string, string> },
): Promise<Uint8Array> {
  const toml = `[package]
name = "${name}"
version = "${version}"
authors = ["Wren <wren@example.test>"]
description = "${opts.description}"
license = "MIT"
repository = "https://github.com/example/${name}"
keywords = ["nest", "browser-suite"]
categories = ["${CATEGORY}"]

${stringifyToml({ dependencies: opts.deps ?? {}, 'dev-dependencies': opts.dev ?? {} })}
`;
  const entries = [
    { header: { name: 'src/', size: 0, type: 'directory', mode: 0o755 } } as TarEntry,
    file('src/lib.raven', `// ${name} ${version}\n`),
    file('raven.toml', toml),
  ];
  if (opts.readme) entries.push(file('README.md', opts.readme));
  return gzipSync(await packTar(entries));
}

async function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function signIn(api: string): Promise<string> {
  const registered = await post(`${api}/auth/register`, { username: USER, email: EMAIL, password: PASSWORD });
  if (registered.status === 201) return ((await registered.json()) as { token: string }).token;
  const login = await post(`${api}/auth/login`, { email: EMAIL, password: PASSWORD });
  if (!login.ok) throw new Error(`cannot sign in as ${USER}: ${login.status} ${await login.text()}`);
  return ((await login.json()) as { token: string }).token;
}

/** 201, or 409 when an earlier call (or file) already published it. */
async function publishOnce(api: string, token: string, bytes: Uint8Array): Promise<void> {
  const meta = await metadataFromTarball(bytes);
  const res = await publish(api, token, bytes, meta);
  if (res.status !== 201 && res.status !== 409) {
    throw new Error(`publish ${meta.name}@${meta.version}: ${res.status} ${await res.text()}`);
  }
}

async function call(method: string, url: string, token: string, body?: unknown): Promise<void> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
}

export async function seedPublicSite(registryUrl: string): Promise<void> {
  const api = `${registryUrl}/api/v1`;
  const token = await signIn(api);

  // The RavensOne fixtures; another suite on the same server may own them already.
  const dir = join(ROOT, 'test', 'fixtures', 'ravensone-packages');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.tar.gz'))) {
    const res = await publish(api, token, new Uint8Array(readFileSync(join(dir, name))));
    if (![201, 403, 409].includes(res.status)) throw new Error(`publish ${name}: ${res.status} ${await res.text()}`);
  }

  const readme = (name: string, text: string) =>
    `# ${name}\n\n${text}\n\n## Install\n\n\`\`\`sh\nraven pkg add ${name}\n\`\`\`\n\n- [x] tables\n- [ ] tasks\n`;
  await publishOnce(
    api,
    token,
    await tarball(DEP, '1.0.0', { description: 'The core of the nest family.', readme: readme(DEP, 'Core.') }),
  );
  await publishOnce(
    api,
    token,
    await tarball(DEP, '1.1.0', { description: 'The core of the nest family.', readme: readme(DEP, 'Core.') }),
  );
  for (const version of ['0.9.0', '1.0.0', '1.1.0', '2.0.0-beta.1']) {
    await publishOnce(
      api,
      token,
      await tarball(PKG, version, {
        description: 'Small reactive widgets built on nest-core.',
        readme: readme(PKG, 'Widgets for RavensOne apps, built on `nest-core`.'),
        deps: { [DEP]: '^1.0' },
        dev: { 'raven-forms': '^1.0' },
      }),
    );
  }
  await publishOnce(
    api,
    token,
    await tarball(XSS_PKG, '0.1.0', { description: 'A README carrying XSS payloads.', readme: XSS_README }),
  );
  await publishOnce(
    api,
    token,
    await tarball(DEPRECATED_PKG, '0.1.0', {
      description: 'The old nest widgets.',
      readme: readme(DEPRECATED_PKG, 'Old.'),
    }),
  );

  // Yanking or deprecating twice is harmless, so a second seeding changes nothing.
  await call('DELETE', `${api}/packages/${PKG}/1.1.0`, token);
  await call('PUT', `${api}/packages/${DEPRECATED_PKG}/deprecate`, token, { message: DEPRECATION });
  // A few downloads so the chart and the "most downloaded" list have something.
  const downloadsOf = async (name: string) =>
    ((await (await fetch(`${api}/packages/${name}`)).json()) as { downloads_total: number }).downloads_total;
  const before = await downloadsOf(DEP);
  for (let i = 0; i < 3; i++) {
    for (const [name, version] of [
      [PKG, '1.0.0'],
      [DEP, '1.1.0'],
    ]) {
      const res = await fetch(`${api}/packages/${name}/${version}/download`);
      await res.arrayBuffer();
    }
  }
  // Each package's counter writes its downloads to the database every 30 s
  // (src/durable-objects/download-counter.ts): wait for them, or every page shows none.
  const deadline = Date.now() + 90_000;
  while ((await downloadsOf(DEP)) < before + 3) {
    if (Date.now() > deadline) throw new Error(`the seeded downloads of ${DEP} were not counted within 90 s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
