// Package and version reads (one statement each, JSON aggregated in Postgres)
// and the shared write step that keeps `packages.latest_version` and the
// package-level metadata in step with the latest version.
import { and, eq, sql } from 'drizzle-orm';
import type { Database, Queryable, Tx } from '../db/client';
import { iso, takedownOf, visiblePackage, visibleVersion } from '../db/fragments';
import { packages, versions } from '../db/schema';
import type { AuthContext } from '../env';
import { notFound, type Takedown } from '../errors';
import type { Provenance } from '../lib/trusted-claims';
import { latestVersion } from '../lib/versions';
import { lockAs } from './access';
import { writeAudit } from './audit';
import { applyCounterDeltas, type Counted, dependencyNames, packageDeltas, rankedWords } from './counters';
import { recordEvent } from './events';

/** What a manifest says about a package or one version, as the replies carry it (never null). */
export type ManifestText = {
  description: string;
  license: string;
  repository: string;
  homepage: string;
  keywords: string[];
  categories: string[];
};

export type PackageRow = ManifestText & {
  id: string;
  name: string;
  readme: string;
  latest_version: string;
  downloads_total: string | number;
  downloads_last_month: string | number;
  created_at: string;
  updated_at: string;
  owner: { username: string; user_id: string } | null;
  versions: { version: string; yanked: boolean }[];
  deprecated: { message: string; deprecated_at: string } | null;
  /** Set when operators took the package down: the routes answer 451 instead of the row. */
  taken_down: Takedown | null;
};

/** A package page: package, first owner, every version and both download totals in one statement. */
export async function findPackage(db: Queryable, name: string): Promise<PackageRow | undefined> {
  const result = await db.execute<PackageRow>(sql`
    select p.id, p.name, p.description, p.license,
      coalesce(p.repository, '') as repository, coalesce(p.homepage, '') as homepage,
      p.keywords, p.categories, coalesce(p.readme, '') as readme,
      coalesce(p.latest_version, '') as latest_version,
      p.downloads as downloads_total,
      coalesce((
        select sum(d.count) from version_downloads d join versions v on v.id = d.version_id
        where v.package_id = p.id and d.day > (now() at time zone 'UTC')::date - 30
      ), 0) as downloads_last_month,
      ${iso('p.created_at')} as created_at, ${iso('p.updated_at')} as updated_at,
      case when p.deprecated_at is not null then json_build_object(
        'message', coalesce(p.deprecation_message, ''), 'deprecated_at', ${iso('p.deprecated_at')}) end as deprecated,
      ${takedownOf('p')} as taken_down,
      (
        select json_build_object('username', u.username, 'user_id', u.id)
        from package_owners o join users u on u.id = o.user_id
        where o.package_id = p.id and o.role = 'owner'
        order by o.added_at, u.username limit 1
      ) as owner,
      coalesce((
        select json_agg(json_build_object('version', v.version, 'yanked', v.yanked))
        from versions v where v.package_id = p.id and ${visibleVersion('v')}
      ), '[]'::json) as versions
    from packages p
    where p.name = ${name}`);
  return result.rows[0];
}

export type VersionRow = {
  name: string;
  version: string;
  description: string;
  authors: string[];
  license: string;
  repository: string;
  homepage: string;
  keywords: string[];
  categories: string[];
  dependencies: Record<string, unknown>;
  dev_dependencies: Record<string, unknown>;
  published_at: string;
  checksum: string;
  size_bytes: number;
  downloads: string | number;
  yanked: boolean;
  yanked_at: string;
  published_by: string;
  provenance: Provenance | null;
  /** Set when operators took the version or its package down. */
  taken_down: Takedown | null;
};

export async function findVersion(db: Queryable, name: string, version: string): Promise<VersionRow | undefined> {
  const result = await db.execute<VersionRow>(sql`
    select p.name, v.version, v.description, v.authors, v.license,
      coalesce(v.repository, '') as repository, coalesce(v.homepage, '') as homepage,
      v.keywords, v.categories, v.dependencies, v.dev_dependencies,
      ${iso('v.published_at')} as published_at, v.checksum, v.size_bytes, v.downloads,
      v.yanked, coalesce(${iso('v.yanked_at')}, '') as yanked_at,
      coalesce(pub.username, '') as published_by, v.provenance, ${takedownOf('p', 'v')} as taken_down
    from versions v join packages p on p.id = v.package_id
    left join users pub on pub.id = v.published_by
    where p.name = ${name} and v.version = ${version}`);
  return result.rows[0];
}

/** What a download needs: one single-statement read on an edge-cache miss. */
export async function findTarball(db: Queryable, name: string, version: string) {
  const [row] = await db
    .select({
      checksum: versions.checksum,
      r2Key: versions.r2Key,
      sizeBytes: versions.sizeBytes,
      takenDown: sql<Takedown | null>`${takedownOf('packages', 'versions')}`,
    })
    .from(versions)
    .innerJoin(packages, eq(packages.id, versions.packageId))
    .where(and(eq(packages.name, name), eq(versions.version, version)))
    .limit(1);
  return row;
}

/**
 * Recomputes `latest_version` with semver and mirrors the latest version's
 * metadata onto the package row; the registry's counters follow (the package
 * as read first against the package as updated: src/services/counters.ts).
 * Call inside the transaction that changed a version (publish, yank, unyank, a
 * deletion), after lockPackage.
 */
export async function refreshLatest(tx: Tx, packageId: string): Promise<string | null> {
  const { rows } = await tx.execute<{
    name: string;
    latest_version: string | null;
    categories: string[];
    keywords: string[];
    versions_count: number;
    latest_dependencies: string[];
    version: string | null;
    yanked: boolean | null;
  }>(sql`
    select p.name, p.latest_version, p.categories, p.keywords, p.versions_count, p.latest_dependencies,
      v.version,
      -- Hidden versions (taken down, or all of a taken-down package's) count as yanked here.
      (v.yanked or not (${visibleVersion('v')} and ${visiblePackage('p')})) as yanked
    from packages p left join versions v on v.package_id = p.id
    where p.id = ${packageId}`);
  const [pkg] = rows;
  if (!pkg) throw new Error('refreshLatest: no such package');
  const listed = rows.filter((r): r is typeof r & { version: string } => r.version !== null);
  const latest = latestVersion(listed.map((r) => ({ version: r.version, yanked: Boolean(r.yanked) })));
  const before: Counted = {
    versions: pkg.versions_count,
    live: pkg.latest_version !== null,
    categories: pkg.categories,
    keywords: pkg.keywords,
    dependencies: pkg.latest_dependencies,
  };
  const { rows: updated } = await tx.execute<{ categories: string[]; keywords: string[]; dependencies: string[] }>(
    latest === null
      ? sql`
        update packages p set latest_version = null, versions_count = ${listed.length}, latest_dependencies = '{}',
          updated_at = now()
        where p.id = ${packageId}
        returning p.categories, p.keywords, p.latest_dependencies as dependencies`
      : sql`
        update packages p set
          latest_version = v.version, description = v.description, license = v.license,
          repository = v.repository, homepage = v.homepage, keywords = v.keywords,
          categories = v.categories, readme = v.readme, readme_html = v.readme_html,
          versions_count = ${listed.length}, latest_dependencies = ${dependencyNames('v', 'p')}, updated_at = now()
        from versions v
        where p.id = ${packageId} and v.package_id = p.id and v.version = ${latest}
        returning p.categories, p.keywords, p.latest_dependencies as dependencies`,
  );
  const after: Counted = { versions: listed.length, live: latest !== null, ...updated[0]! };
  const appeared = before.versions === 0 && after.versions > 0;
  const [wordsBefore, wordsAfter] = [rankedWords(before), rankedWords(after)];
  const wordsChanged = wordsBefore.length !== wordsAfter.length || wordsAfter.some((w) => !wordsBefore.includes(w));
  await applyCounterDeltas(tx, packageDeltas(pkg.name, before, after), {
    packageId,
    name: pkg.name,
    live: appeared || before.live !== after.live ? after.live : undefined,
    words: wordsChanged ? wordsAfter : undefined,
    fresh: appeared,
  });
  return latest;
}

/**
 * Yank or unyank: a yanked version leaves `versions`, search and resolution but
 * stays downloadable. Idempotent; the audit trail records real changes only.
 */
export function setYanked(db: Database, actor: AuthContext, name: string, version: string, yanked: boolean) {
  return db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'maintainer', 'yank it');
    const [before] = await tx
      .select({ yanked: versions.yanked, yankedAt: versions.yankedAt })
      .from(versions)
      .where(and(eq(versions.packageId, pkg.id), eq(versions.version, version)));
    if (!before) throw notFound(`${name} has no version "${version}".`);
    if (before.yanked === yanked) return { yankedAt: before.yankedAt };

    const [after] = await tx
      .update(versions)
      .set({ yanked, yankedAt: yanked ? sql`now()` : null })
      .where(and(eq(versions.packageId, pkg.id), eq(versions.version, version)))
      .returning({ yankedAt: versions.yankedAt });
    await refreshLatest(tx, pkg.id);
    await writeAudit(tx, actor, { action: yanked ? 'yank' : 'unyank', packageId: pkg.id, version });
    const data = { yanked, yanked_at: after?.yankedAt?.toISOString() ?? '' };
    await recordEvent(tx, actor, { event: 'package.yanked', packageId: pkg.id, packageName: pkg.name, version, data });
    return { yankedAt: after?.yankedAt ?? null };
  });
}
