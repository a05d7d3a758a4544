// raven.toml as found inside a tarball: the `[package]` table must name the
// same package and version as the publish metadata, and its dependency tables
// must equal the metadata's (the registry serves those, builds use these);
// `categories` is kept.
import { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { Dependencies, type PublishMetadata } from '../schemas/packages';
import { refusesControlChars } from './text-rules';

export class ManifestError extends Error {
  /** The metadata field the refusal is about, e.g. `dependencies.raven-store`. */
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Deps = z.output<typeof Dependencies>;

export interface RavenManifest {
  name: string;
  version: string;
  categories: string[];
  dependencies: Deps;
  devDependencies: Deps;
}

/** raven.toml table name → publish metadata field. */
const DEPENDENCY_TABLES = [
  ['dependencies', 'dependencies'],
  ['dev-dependencies', 'dev_dependencies'],
] as const;

function dependencyTable(doc: Record<string, unknown>, table: string, field: string): Deps {
  const parsed = Dependencies.safeParse(doc[table] ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = [field, ...(issue?.path.map(String) ?? [])].join('.');
  throw new ManifestError(`raven.toml [${table}] is invalid at ${where}: ${issue?.message}`, where);
}

/** Terminal-safe text: the manifest's description, authors and keywords are shown like the metadata's. */
function checkText(pkg: Record<string, unknown>): void {
  for (const key of ['description', 'authors', 'keywords']) {
    const value = pkg[key];
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((t) => typeof t === 'string' && refusesControlChars(t))) {
      throw new ManifestError(
        `raven.toml [package] ${key} has control characters (newlines, ANSI escapes or bidi overrides).`,
        key,
      );
    }
  }
}

const CATEGORY = /^[a-z0-9][a-z0-9-]*(::[a-z0-9][a-z0-9-]*)*$/;
const MAX_CATEGORIES = 10;

export function parseRavenToml(text: string): RavenManifest {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line})` : '';
    throw new ManifestError(`raven.toml is not valid TOML${where}.`);
  }
  const pkg = doc.package;
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
    throw new ManifestError('raven.toml has no [package] table.');
  }
  checkText(pkg as Record<string, unknown>);
  const { name, version, categories = [] } = pkg as Record<string, unknown>;
  if (typeof name !== 'string') throw new ManifestError('raven.toml [package] has no name.');
  if (typeof version !== 'string') throw new ManifestError('raven.toml [package] has no version.');
  if (
    !Array.isArray(categories) ||
    categories.length > MAX_CATEGORIES ||
    !categories.every((c) => typeof c === 'string' && c.length <= 64 && CATEGORY.test(c))
  ) {
    throw new ManifestError(
      `raven.toml [package] categories must be at most ${MAX_CATEGORIES} lowercase slugs like "web-programming".`,
    );
  }
  return {
    name,
    version,
    categories: categories as string[],
    dependencies: dependencyTable(doc, ...DEPENDENCY_TABLES[0]),
    devDependencies: dependencyTable(doc, ...DEPENDENCY_TABLES[1]),
  };
}

/** The tarball must describe exactly the package being published. */
export function checkManifestMatches(manifest: RavenManifest, name: string, version: string): void {
  if (manifest.name !== name) {
    throw new ManifestError(`raven.toml names package "${manifest.name}" but the metadata says "${name}".`);
  }
  if (manifest.version !== version) {
    throw new ManifestError(`raven.toml has version "${manifest.version}" but the metadata says "${version}".`);
  }
}

/** Key-order-independent JSON, so `{version, optional}` equals `{optional, version}`. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The dependencies the registry serves must be the ones a build of the tarball
 * uses. The CLI writes both from one raven.toml, so a difference is a broken or
 * lying client: refused (rather than silently replaced) so the publisher hears of it.
 */
export function checkDependenciesMatch(
  manifest: RavenManifest,
  meta: Pick<PublishMetadata, 'dependencies' | 'dev_dependencies'>,
): void {
  const pairs = [
    [DEPENDENCY_TABLES[0], manifest.dependencies, meta.dependencies],
    [DEPENDENCY_TABLES[1], manifest.devDependencies, meta.dev_dependencies],
  ] as const;
  for (const [[table, field], fromToml, fromMeta] of pairs) {
    const names = [...new Set([...Object.keys(fromToml), ...Object.keys(fromMeta)])].sort();
    for (const dep of names) {
      if (canonical(fromToml[dep]) === canonical(fromMeta[dep])) continue;
      const inToml = `raven.toml's [${table}]`;
      const inMeta = `the metadata's ${field}`;
      const message =
        fromToml[dep] === undefined
          ? `Dependency "${dep}" is in ${inMeta} but not in ${inToml}.`
          : fromMeta[dep] === undefined
            ? `Dependency "${dep}" is in ${inToml} but not in ${inMeta}.`
            : `Dependency "${dep}" differs between ${inMeta} and ${inToml}.`;
      throw new ManifestError(message, `${field}.${dep}`);
    }
  }
}
