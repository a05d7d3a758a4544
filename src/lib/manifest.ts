// raven.toml as found inside a tarball: the `[package]` table must name the
// same package and version as the publish metadata; `categories` is kept.
import { parse, TomlError } from 'smol-toml';

export class ManifestError extends Error {}

export interface RavenManifest {
  name: string;
  version: string;
  categories: string[];
}

const CATEGORY = /^[a-z0-9][a-z0-9-]*(::[a-z0-9][a-z0-9-]*)*$/;
export const MAX_CATEGORIES = 10;

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
  return { name, version, categories: categories as string[] };
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
