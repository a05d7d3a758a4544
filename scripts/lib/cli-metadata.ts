// The publish metadata `raven pkg` derives from a package's raven.toml. Pure
// (TOML in, JSON out) so Node tools and the workerd tests share one copy.
import { parse } from 'smol-toml';

export type PublishMetadata = {
  name: string;
  version: string;
  authors: string[];
  description: string | null;
  license: string;
  repository: string | null;
  homepage: string | null;
  keywords: string[];
  dependencies: Record<string, unknown>;
  dev_dependencies: Record<string, unknown>;
};

export function metadataFromToml(tomlText: string): PublishMetadata {
  const doc = parse(tomlText) as Record<string, any>;
  const pkg = doc.package ?? {};
  return {
    name: pkg.name,
    version: pkg.version,
    authors: pkg.authors ?? [],
    description: pkg.description ?? null,
    license: pkg.license ?? '',
    repository: pkg.repository ?? null,
    homepage: pkg.homepage ?? null,
    keywords: pkg.keywords ?? [],
    dependencies: doc.dependencies ?? {},
    dev_dependencies: doc['dev-dependencies'] ?? {},
  };
}
