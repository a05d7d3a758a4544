// The resolution index (crates.io's sparse index is the model): a package's
// whole version history, one JSON object per line in publish order, for tools
// that resolve a dependency tree without the API. A line never changes except
// `yanked` and `deprecated`; yanked versions stay listed so lockfiles resolve.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { iso, takedownOf, visibleVersion } from '../db/fragments';
import type { Takedown } from '../errors';

export type IndexRow = {
  name: string;
  deprecated: boolean;
  /** Null only on the one row of a package without versions. */
  version: string | null;
  dependencies: Record<string, unknown> | null;
  dev_dependencies: Record<string, unknown> | null;
  checksum: string | null;
  yanked: boolean | null;
  published_at: string | null;
  /** Set when operators took the whole package down (taken-down versions are simply left out). */
  taken_down: Takedown | null;
};

/** Every version of a package in publish order, in one statement; `[]` when there is no such package. */
export async function findIndexRows(db: Queryable, name: string): Promise<IndexRow[]> {
  const result = await db.execute<IndexRow>(sql`
    select p.name, p.deprecated_at is not null as deprecated, v.version, v.dependencies, v.dev_dependencies,
      v.checksum, v.yanked, ${iso('v.published_at')} as published_at, ${takedownOf('p')} as taken_down
    from packages p left join versions v on v.package_id = p.id and ${visibleVersion('v')}
    where p.name = ${name}
    order by v.published_at, v.id`);
  return result.rows;
}

interface IndexDependency {
  name: string;
  /** Cargo's requirement syntax: a bare `1.2.3` means `^1.2.3`. */
  req: string;
  kind: 'normal' | 'dev';
  optional: boolean;
  features: string[];
  default_features: boolean;
  /** The package to fetch (always the dependency's own name: the registry has no renames). */
  package: string;
  /** Only for a git-only dependency, which the index cannot resolve (`req` is then `*`). */
  git?: string;
}

export interface IndexLine {
  name: string;
  vers: string;
  deps: IndexDependency[];
  /** The tarball's SHA-256, 64 hex digits. */
  cksum: string;
  yanked: boolean;
  deprecated: boolean;
  published_at: string;
  v: 1;
}

type Detailed = { version?: unknown; features?: unknown; optional?: unknown; git?: unknown };

function dependencies(record: Record<string, unknown> | null, kind: IndexDependency['kind']): IndexDependency[] {
  return Object.entries(record ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, spec]) => {
      const d: Detailed = typeof spec === 'string' ? { version: spec } : ((spec ?? {}) as Detailed);
      const req = typeof d.version === 'string' ? d.version : '*';
      const features = Array.isArray(d.features) ? d.features.filter((f): f is string => typeof f === 'string') : [];
      const dep: IndexDependency = {
        name,
        req,
        kind,
        optional: d.optional === true,
        features,
        default_features: true,
        package: name,
      };
      if (typeof d.version !== 'string' && typeof d.git === 'string') dep.git = d.git;
      return dep;
    });
}

/** The index lines of a package's rows (see findIndexRows). Pure. */
export function indexLines(rows: IndexRow[]): IndexLine[] {
  return rows.flatMap((row) =>
    row.version === null
      ? []
      : [
          {
            name: row.name,
            vers: row.version,
            deps: [...dependencies(row.dependencies, 'normal'), ...dependencies(row.dev_dependencies, 'dev')],
            cksum: (row.checksum ?? '').replace(/^sha256:/, ''),
            yanked: row.yanked === true,
            deprecated: row.deprecated,
            published_at: row.published_at ?? '',
            v: 1 as const,
          },
        ],
  );
}

/** Newline-delimited JSON: one line per version, each ending in `\n`. */
export const toNdjson = (lines: IndexLine[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join('');
