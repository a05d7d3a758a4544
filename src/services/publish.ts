// Publishing a version: inspect the tarball (streamed), store it in R2 under
// its content address, then one transaction creates the package if needed,
// inserts the immutable version, refreshes latest_version and writes the audit
// row. A failure anywhere leaves nothing visible: at worst an unreferenced
// blob, which the sweeper deletes an hour later (src/services/uploads.ts).
import { eq, sql } from 'drizzle-orm';
import semver from 'semver';
import type { Database } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { visiblePackage } from '../db/fragments';
import { packageOwners, packages, versions } from '../db/schema';
import type { AuthContext } from '../env';
import { ApiError, conflict, forbidden } from '../errors';
import { checkDependenciesMatch, checkManifestMatches, ManifestError, parseRavenToml } from '../lib/manifest';
import { canonicalName } from '../lib/package-name';
import { renderReadme } from '../lib/readme';
import { checksumOf, inspectTarball, TarballError, type TarballLimits } from '../lib/tarball';
import { isPrerelease } from '../lib/versions';
import type { PublishMetadata } from '../schemas/packages';
import { callerRole, hasRole, lockPackage, notAllowed } from './access';
import { writeAudit } from './audit';
import { recordEvent } from './events';
import { refreshLatest } from './packages';
import { refuseReservedName } from './reserved-names';
import { recordUploadIntent, settleUploadIntent } from './uploads';

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

const r2KeyFor = (checksum: string) => `tarballs/sha256/${checksum.slice('sha256:'.length)}.tar.gz`;

/** A 400 naming the tarball, and the entry or metadata field at fault when there is one. */
const tarballRefused = (message: string, at?: { entry?: string; field?: string }) =>
  new ApiError('invalid_request', message, {
    fields: { tarball: message, ...(at?.field ? { [at.field]: message } : {}) },
    ...(at?.entry !== undefined ? { entry: at.entry } : {}),
  });

/** Reads the tarball twice, concurrently: once to hash it, once to inspect it. */
async function examine(meta: PublishMetadata, tarball: TarballSource, limits?: TarballLimits) {
  const [sum, contents] = await Promise.all([
    checksumOf(tarball.stream()),
    inspectTarball(tarball.stream(), limits).catch((err: unknown) => {
      if (err instanceof TarballError) throw tarballRefused(err.message, { entry: err.entry });
      throw err;
    }),
  ]);
  try {
    const manifest = parseRavenToml(contents.manifestText);
    checkManifestMatches(manifest, meta.name, meta.version);
    checkDependenciesMatch(manifest, meta);
    return { ...sum, categories: manifest.categories, readme: contents.readme };
  } catch (err) {
    if (err instanceof ManifestError) throw tarballRefused(err.message, { field: err.field });
    throw err;
  }
}

/**
 * The cheap refusals, in one read before the tarball is read, inspected or
 * uploaded: not an owner, version taken, lookalike name. The transaction checks
 * all of them again; this only spares doomed publishes the upload and an
 * orphan blob. Says whether the package exists (else the publish would create
 * it, and the caller checks the new-name limit before the upload too).
 */
export async function precheckPublish(
  db: Database,
  actor: AuthContext,
  meta: PublishMetadata,
): Promise<{ packageExists: boolean }> {
  const result = await db.query.execute<{
    id: string;
    name: string;
    role: string | null;
    require_trusted: boolean;
    taken_down: boolean;
    taken: boolean;
    deleted: boolean;
  }>(sql`
    select p.id, p.name, p.require_trusted_publishing as require_trusted, not ${visiblePackage('p')} as taken_down,
      ${callerRole(actor.userId)} as role,
      exists (select 1 from versions v where v.package_id = p.id and v.version = ${meta.version}) as taken,
      exists (select 1 from deleted_versions d where d.package_name = p.name and d.version = ${meta.version}) as deleted
    from packages p
    where p.canonical_name = ${canonicalName(meta.name)}`);
  const row = result.rows[0];
  if (!row) {
    if (actor.tokenKind === 'trusted') throw trustedCannotCreate(meta.name);
    await refuseReservedName(db.query, meta.name);
    return { packageExists: false };
  }
  if (row.name !== meta.name) throw lookalike(meta.name, row.name);
  const refusal = publishRefusal(actor, meta.name, {
    id: row.id,
    role: row.role,
    requireTrusted: row.require_trusted,
    takenDown: row.taken_down,
  });
  if (refusal) throw refusal;
  if (row.taken) throw versionExists(meta.name, meta.version);
  if (row.deleted) throw versionDeleted(meta.name, meta.version);
  return { packageExists: true };
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
  pkg: { id: string; role: string | null | undefined; requireTrusted: boolean; takenDown: boolean },
): ApiError | null {
  // First, whoever asks: a CI token of the package's own workflow included.
  if (pkg.takenDown) {
    return forbidden(`"${name}" was taken down by the registry operators: no new versions can be published.`);
  }
  if (actor.tokenKind === 'trusted') {
    return actor.trusted?.packageIds.includes(pkg.id)
      ? null
      : forbidden(`This trusted-publishing token may not publish "${name}": its CI workflow is not a publisher of it.`);
  }
  if (!hasRole(pkg.role, 'maintainer')) return notMaintainer(name);
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
  // precheckPublish has run (the route calls it as the metadata part ends).
  const checked = await examine(meta, tarball, deps.limits);
  const r2Key = r2KeyFor(checked.checksum);
  // Before the upload: should the transaction below fail, the sweeper finds the blob by this row.
  await recordUploadIntent(deps.db.query, r2Key);
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
    // Rendered once here, never per page view (src/lib/readme.ts).
    readmeHtml: checked.readme === null ? null : renderReadme(checked.readme, meta.repository).html,
  };

  try {
    return await deps.db.transaction(async (tx) => {
      // First, before the package lock that serialises publishes of one package:
      // it only touches this upload's intent row, and rolls back with the rest.
      await settleUploadIntent(tx, r2Key);
      let pkg = await lockPackage(tx, meta.name, actor.userId);
      if (!pkg) {
        // No row to lock yet: first publishes of one name (or of lookalikes) queue
        // here instead, so one creates the package and is charged the new-name
        // limit, and the rest find it. Otherwise every racer was charged, and a
        // burst of retries for one new name used up the user's hourly quota.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${canonicalName(meta.name)}))`);
        pkg = await lockPackage(tx, meta.name, actor.userId);
      }
      let created = false;
      if (!pkg) {
        if (actor.tokenKind === 'trusted') throw trustedCannotCreate(meta.name);
        // Again here: a reservation made since the precheck must hold.
        await refuseReservedName(tx, meta.name);
        await deps.beforeCreatePackage?.(meta.name);
        [pkg] = await tx
          .insert(packages)
          .values({ name: meta.name, canonicalName: canonicalName(meta.name), ...fields })
          .returning({
            id: packages.id,
            name: packages.name,
            role: sql<'owner'>`'owner'`,
            requireTrusted: packages.requireTrustedPublishing,
            takenDown: sql<boolean>`false`,
          });
        if (!pkg) throw new Error('package insert returned nothing');
        await tx.insert(packageOwners).values({ packageId: pkg.id, userId: actor.userId, role: 'owner' });
        created = true;
      } else {
        const refusal = publishRefusal(actor, meta.name, pkg);
        if (refusal) throw refusal;
      }
      const provenance = actor.tokenKind === 'trusted' ? (actor.trusted?.provenance ?? null) : null;

      // The package row is locked, so this check and the insert cannot race.
      // semver.eq also catches versions differing only in build metadata.
      // Deleted versions count too (their tombstones are kept by name, so a
      // package deleted and later re-created under the same name is covered).
      const existing = await tx.execute<{ version: string; deleted: boolean }>(sql`
        select version, false as deleted from versions where package_id = ${pkg.id}
        union all
        select version, true as deleted from deleted_versions where package_name = ${meta.name}`);
      const same = existing.rows.find((v) => semver.eq(v.version, meta.version));
      if (same?.deleted) throw versionDeleted(meta.name, same.version);
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

const notMaintainer = (name: string) => notAllowed(name, 'maintainer', 'publish it');

const lookalike = (name: string, existing: string) =>
  conflict(`The name "${name}" is too similar to the existing package "${existing}".`, { existing });

const versionExists = (name: string, version: string) =>
  conflict(`${name} ${version} already exists; published versions are immutable, even after a yank.`, {
    name,
    version,
  });

const versionDeleted = (name: string, version: string) =>
  conflict(
    `${name} ${version} was deleted, and a deleted version number can never be published again; publish a new version.`,
    { name, version, deleted: true },
  );

/** Turns constraint violations from a lost race or a lookalike name into the contract's 409s. */
async function explainConflict(db: Database, err: unknown, meta: PublishMetadata): Promise<unknown> {
  if (isUniqueViolation(err, 'versions_package_version_key')) return versionExists(meta.name, meta.version);
  if (isUniqueViolation(err, 'packages_name_key')) {
    return conflict(`The package "${meta.name}" was created by a concurrent publish; retry.`, { existing: meta.name });
  }
  if (isUniqueViolation(err, 'packages_canonical_name_key')) {
    const [other] = await db.query
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
