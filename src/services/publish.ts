// Publishing a version: inspect the tarball (streamed), store it in R2 under
// its content address, then one transaction creates the package if needed,
// inserts the immutable version, refreshes latest_version and writes the audit
// row. A failure anywhere leaves nothing visible (at worst an unreferenced blob).
import { eq, sql } from 'drizzle-orm';
import semver from 'semver';
import type { Database } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { packageOwners, packages, versions } from '../db/schema';
import type { AuthContext } from '../env';
import { type ApiError, conflict, forbidden, invalid } from '../errors';
import { checkManifestMatches, ManifestError, parseRavenToml } from '../lib/manifest';
import { canonicalName } from '../lib/package-name';
import { checksumOf, inspectTarball, TarballError, type TarballLimits } from '../lib/tarball';
import { isPrerelease } from '../lib/versions';
import type { PublishMetadata } from '../schemas/packages';
import { writeAudit } from './audit';
import { recordEvent } from './events';
import { lockPackage, refreshLatest, roleOf } from './packages';

/** Anything that can be read more than once with a known size: a multipart File (Blob) is one. */
export interface TarballSource {
  readonly size: number;
  stream(): ReadableStream<Uint8Array>;
}

export interface PublishDeps {
  db: Database;
  bucket: R2Bucket;
  limits?: TarballLimits;
  /**
   * Called inside the transaction when this publish would create a new package
   * name (not for new versions of an existing one); throw to refuse. This is
   * where the per-user new-package rate limit hooks in.
   */
  beforeCreatePackage?: (name: string) => Promise<void>;
}

export interface Published {
  packageId: string;
  name: string;
  version: string;
  publishedAt: Date;
  checksum: string;
  created: boolean;
}

export const r2KeyFor = (checksum: string) => `tarballs/sha256/${checksum.slice('sha256:'.length)}.tar.gz`;

const tarballRefused = (message: string) => invalid(message, { tarball: message });

/** Reads the tarball twice, concurrently: once to hash it, once to inspect it. */
async function examine(meta: PublishMetadata, tarball: TarballSource, limits?: TarballLimits) {
  const [sum, contents] = await Promise.all([
    checksumOf(tarball.stream()),
    inspectTarball(tarball.stream(), limits).catch((err: unknown) => {
      if (err instanceof TarballError) throw tarballRefused(err.message);
      throw err;
    }),
  ]);
  try {
    const manifest = parseRavenToml(contents.manifestText);
    checkManifestMatches(manifest, meta.name, meta.version);
    return { ...sum, categories: manifest.categories, readme: contents.readme };
  } catch (err) {
    if (err instanceof ManifestError) throw tarballRefused(err.message);
    throw err;
  }
}

/**
 * The cheap refusals, in one read before any tarball work or upload: not an
 * owner, version taken, lookalike name. The transaction checks all of them
 * again; this only spares doomed publishes the inspection and an orphan blob.
 */
async function precheck(db: Database, actor: AuthContext, meta: PublishMetadata): Promise<void> {
  const result = await db.read.execute<{
    id: string;
    name: string;
    role: string | null;
    require_trusted: boolean;
    taken: boolean;
  }>(sql`
    select p.id, p.name, p.require_trusted_publishing as require_trusted,
      (select o.role from package_owners o where o.package_id = p.id and o.user_id = ${actor.userId}) as role,
      exists (select 1 from versions v where v.package_id = p.id and v.version = ${meta.version}) as taken
    from packages p
    where p.canonical_name = ${canonicalName(meta.name)}`);
  const row = result.rows[0];
  if (!row) {
    if (actor.tokenKind === 'trusted') throw trustedCannotCreate(meta.name);
    return;
  }
  if (row.name !== meta.name) throw lookalike(meta.name, row.name);
  const refusal = publishRefusal(actor, meta.name, { id: row.id, role: row.role, requireTrusted: row.require_trusted });
  if (refusal) throw refusal;
  if (row.taken) throw versionExists(meta.name, meta.version);
}

/**
 * Who may publish an existing package. A trusted-publishing token may publish
 * exactly the packages its CI identity matched at the exchange, whoever's
 * name it acts in; any other token needs its user to be an owner or
 * maintainer, and is refused outright when the package requires trusted
 * publishing (owners keep yank, deprecate and owner management).
 */
function publishRefusal(
  actor: AuthContext,
  name: string,
  pkg: { id: string; role: string | null | undefined; requireTrusted: boolean },
): ApiError | null {
  if (actor.tokenKind === 'trusted') {
    return actor.trusted?.packageIds.includes(pkg.id)
      ? null
      : forbidden(`This trusted-publishing token may not publish "${name}": its CI workflow is not a publisher of it.`);
  }
  if (!pkg.role) return notMaintainer(name);
  if (pkg.requireTrusted) {
    return forbidden(`"${name}" requires trusted publishing: publish it from its configured CI workflow.`);
  }
  return null;
}

export async function publish(
  deps: PublishDeps,
  actor: AuthContext,
  meta: PublishMetadata,
  tarball: TarballSource,
): Promise<Published> {
  await precheck(deps.db, actor, meta);
  const checked = await examine(meta, tarball, deps.limits);
  const r2Key = r2KeyFor(checked.checksum);
  // Content-addressed, so a retry or a twin upload rewrites the same bytes;
  // R2 verifies them against the SHA-256 we computed.
  // R2 needs a known length: a Blob has one; a stream gets it from FixedLengthStream.
  const body = tarball instanceof Blob ? tarball : tarball.stream().pipeThrough(new FixedLengthStream(checked.size));
  await deps.bucket.put(r2Key, body, {
    httpMetadata: { contentType: 'application/gzip' },
    sha256: checked.checksum.slice('sha256:'.length),
  });

  const fields = {
    description: meta.description,
    license: meta.license,
    repository: meta.repository,
    homepage: meta.homepage,
    keywords: meta.keywords,
    categories: checked.categories,
    readme: checked.readme,
  };

  try {
    return await deps.db.transaction(async (tx) => {
      let pkg = await lockPackage(tx, meta.name);
      if (!pkg) {
        // No row to lock yet: first publishes of one name (or of lookalikes) queue
        // here instead, so one creates the package and is charged the new-name
        // limit, and the rest find it. Otherwise every racer was charged, and a
        // burst of retries for one new name used up the user's hourly quota.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${canonicalName(meta.name)}))`);
        pkg = await lockPackage(tx, meta.name);
      }
      let created = false;
      if (!pkg) {
        if (actor.tokenKind === 'trusted') throw trustedCannotCreate(meta.name);
        await deps.beforeCreatePackage?.(meta.name);
        [pkg] = await tx
          .insert(packages)
          .values({ name: meta.name, canonicalName: canonicalName(meta.name), ...fields })
          .returning({ id: packages.id, name: packages.name, requireTrusted: packages.requireTrustedPublishing });
        if (!pkg) throw new Error('package insert returned nothing');
        await tx.insert(packageOwners).values({ packageId: pkg.id, userId: actor.userId, role: 'owner' });
        created = true;
      } else {
        const role = actor.tokenKind === 'trusted' ? null : await roleOf(tx, pkg.id, actor.userId);
        const refusal = publishRefusal(actor, meta.name, { ...pkg, role });
        if (refusal) throw refusal;
      }
      const provenance = actor.tokenKind === 'trusted' ? (actor.trusted?.provenance ?? null) : null;

      // The package row is locked, so this check and the insert cannot race.
      // semver.eq also catches versions differing only in build metadata.
      const existing = await tx
        .select({ version: versions.version })
        .from(versions)
        .where(eq(versions.packageId, pkg.id));
      const same = existing.find((v) => semver.eq(v.version, meta.version));
      if (same) throw versionExists(meta.name, same.version);

      const [row] = await tx
        .insert(versions)
        .values({
          packageId: pkg.id,
          version: meta.version,
          ...fields,
          authors: meta.authors,
          dependencies: meta.dependencies,
          devDependencies: meta.dev_dependencies,
          checksum: checked.checksum,
          sizeBytes: checked.size,
          r2Key,
          isPrerelease: isPrerelease(meta.version),
          publishedBy: actor.userId,
          provenance: provenance ? { ...provenance } : null,
        })
        .returning({ publishedAt: versions.publishedAt });
      if (!row) throw new Error('version insert returned nothing');
      await refreshLatest(tx, pkg.id);
      await writeAudit(tx, actor, {
        action: 'publish',
        packageId: pkg.id,
        version: meta.version,
        details: {
          checksum: checked.checksum,
          size_bytes: checked.size,
          new_package: created,
          ...(provenance ? { provenance } : {}),
        },
      });
      const data = { checksum: checked.checksum, size_bytes: checked.size };
      await recordEvent(tx, actor, {
        event: 'package.published',
        packageId: pkg.id,
        packageName: meta.name,
        version: meta.version,
        data,
      });
      return {
        packageId: pkg.id,
        name: meta.name,
        version: meta.version,
        publishedAt: row.publishedAt,
        checksum: checked.checksum,
        created,
      };
    });
  } catch (err) {
    throw await explainConflict(deps.db, err, meta);
  }
}

const trustedCannotCreate = (name: string) =>
  forbidden(
    `A trusted-publishing token cannot create "${name}": publish its first version the ordinary way, then add a trusted publisher.`,
  );

const notMaintainer = (name: string) => forbidden(`You are not an owner or maintainer of "${name}".`);

const lookalike = (name: string, existing: string) =>
  conflict(`The name "${name}" is too similar to the existing package "${existing}".`, { existing });

const versionExists = (name: string, version: string) =>
  conflict(`${name} ${version} already exists; published versions are immutable, even after a yank.`, {
    name,
    version,
  });

/** Turns constraint violations from a lost race or a lookalike name into the contract's 409s. */
async function explainConflict(db: Database, err: unknown, meta: PublishMetadata): Promise<unknown> {
  if (isUniqueViolation(err, 'versions_package_version_key')) return versionExists(meta.name, meta.version);
  if (isUniqueViolation(err, 'packages_name_key')) {
    return conflict(`The package "${meta.name}" was created by a concurrent publish; retry.`, { existing: meta.name });
  }
  if (isUniqueViolation(err, 'packages_canonical_name_key')) {
    const [other] = await db.read
      .select({ name: packages.name })
      .from(packages)
      .where(eq(packages.canonicalName, canonicalName(meta.name)));
    const existing = other?.name ?? meta.name;
    if (existing === meta.name) {
      return conflict(`The package "${meta.name}" was created by a concurrent publish; retry.`, { existing });
    }
    return lookalike(meta.name, existing);
  }
  return err;
}
