// Publishing from tests exactly as `raven pkg publish` does (the multipart
// body is built in ./contract.ts), and the tarballs and metadata it sends.
import { packTar, type TarEntry } from 'modern-tar';
import { stringify as stringifyToml } from 'smol-toml';
import { inject } from 'vitest';
import { metadataFromToml, type PublishMetadata } from '../../scripts/lib/cli-metadata.ts';
import { callJson } from './client';
import { type MultipartOptions, multipartBody } from './contract';

const encoder = new TextEncoder();

// Typed by hand: the ProvidedContext augmentation in global-setup.ts does not reach vitest 5's re-export.
const fixtures = () => (inject as unknown as (key: string) => Record<string, string>)('packageFixtures');

export function fixtureBytes(path: string): Uint8Array<ArrayBuffer> {
  const b64 = fixtures()[path];
  if (b64 === undefined) throw new Error(`no fixture ${path}`);
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

export const fixtureText = (path: string) => new TextDecoder().decode(fixtureBytes(path));

export const FIXTURE_TARBALLS = [
  'raven-forms-1.0.0.tar.gz',
  'raven-http-0.1.0.tar.gz',
  'raven-i18n-1.0.0.tar.gz',
  'raven-router-0.1.0.tar.gz',
  'raven-store-1.0.0.tar.gz',
] as const;

export async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return `sha256:${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const file = (name: string, body: string | Uint8Array): TarEntry => {
  const data = typeof body === 'string' ? encoder.encode(body) : body;
  return { header: { name, size: data.byteLength, type: 'file', mode: 0o644 }, body: data };
};
const dir = (name: string): TarEntry => ({ header: { name, size: 0, type: 'directory', mode: 0o755 } });

/** `raven-ui-src/` packed the way the CLI packs a folder: `src/`, `raven.toml`, `README.md`. */
export async function packRavenUi(): Promise<Uint8Array<ArrayBuffer>> {
  const paths = Object.keys(fixtures())
    .filter((p) => p.startsWith('raven-ui-src/'))
    .map((p) => p.slice('raven-ui-src/'.length));
  const sources = paths.filter((p) => p.startsWith('src/')).sort();
  const dirs = [...new Set(sources.map((p) => p.split('/').slice(0, -1).join('/')))].sort();
  const entries = [
    ...dirs.map((d) => dir(`${d}/`)),
    ...sources.map((p) => file(p, fixtureBytes(`raven-ui-src/${p}`))),
    file('raven.toml', fixtureBytes('raven-ui-src/raven.toml')),
    file('README.md', fixtureBytes('raven-ui-src/README.md')),
  ];
  return gzip(await packTar(entries));
}

/** The dependency tables of raven.toml, as the CLI sends them in the metadata. */
export type TomlDependencies = Partial<Pick<PublishMetadata, 'dependencies' | 'dev_dependencies'>>;

export function ravenToml(name: string, version: string, extra = '', deps: TomlDependencies = {}): string {
  const tables = stringifyToml({
    dependencies: deps.dependencies ?? {},
    'dev-dependencies': deps.dev_dependencies ?? {},
  });
  return `[package]\nname = "${name}"\nversion = "${version}"\nauthors = ["Test <test@example.test>"]\nlicense = "MIT"\n${extra}\n${tables}\n`;
}

/** A small valid package tarball; `entries` replaces or adds entries (before gzip). */
export async function makeTarball(
  name: string,
  version: string,
  options: {
    toml?: string | null;
    readme?: string;
    entries?: TarEntry[];
    extraToml?: string;
    deps?: TomlDependencies;
  } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const entries: TarEntry[] = [dir('src/'), file('src/lib.raven', `// ${name} ${version}\n${crypto.randomUUID()}\n`)];
  const toml = options.toml === undefined ? ravenToml(name, version, options.extraToml, options.deps) : options.toml;
  if (toml !== null) entries.push(file('raven.toml', toml));
  if (options.readme !== undefined) entries.push(file('README.md', options.readme));
  entries.push(...(options.entries ?? []));
  return gzip(await packTar(entries));
}

export { dir as tarDir, file as tarFile };

/** What the CLI sends, plus room for the odd fields tests add on purpose. */
export type Metadata = PublishMetadata & { [extra: string]: unknown };

export function metadataFor(name: string, version: string, overrides: Partial<Metadata> = {}): Metadata {
  return {
    name,
    version,
    authors: ['Test <test@example.test>'],
    description: `Test package ${name}`,
    license: 'MIT',
    repository: null,
    homepage: null,
    keywords: ['test'],
    dependencies: {},
    dev_dependencies: {},
    ...overrides,
  };
}

// The one multipart builder lives with the contract; re-exported for the files that import it from here.
export { type MultipartOptions, multipartBody } from './contract';
export { metadataFromToml };

export async function publishRaw(
  token: string | undefined,
  metadata: unknown,
  tarball: Uint8Array,
  options: MultipartOptions = {},
) {
  const { body, contentType } = multipartBody(metadata, tarball, options);
  return callJson('/packages/publish', { method: 'POST', token, body, headers: { 'content-type': contentType } });
}

/** Publishes a fresh small package version and fails loudly unless it is a 201. */
export async function publishPackage(
  token: string,
  name: string,
  version = '1.0.0',
  overrides: Partial<Metadata> = {},
) {
  // The tarball's raven.toml carries the same dependencies, as the CLI's does.
  const tarball = await makeTarball(name, version, { deps: overrides });
  const res = await publishRaw(token, metadataFor(name, version, overrides), tarball);
  if (res.status !== 201)
    throw new Error(`publish ${name}@${version} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res, tarball };
}

let seq = 0;
/** A unique, valid package name (lowercase, no `--`). */
export function packageName(prefix = 'pkg'): string {
  seq += 1;
  const rand = Math.random()
    .toString(36)
    .slice(2, 8)
    .replace(/[^a-z0-9]/g, 'x');
  return `${prefix}-${Date.now().toString(36)}${seq}x${rand}`;
}
