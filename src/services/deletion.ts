// Deletion by owners (docs/deletion-policy.md): one version, or the whole
// package. The transaction locks the package, reads every fact the policy
// needs in one statement, leaves a tombstone per deleted version (its number
// is never reusable), records the webhook event and deletes the rows. What
// lives outside Postgres - R2 blobs, edge caches - is cleaned up by the route
// once the transaction has committed (see removeBlobs).
import { sql } from 'drizzle-orm';
import type { Database, Queryable, Tx } from '../db/client';
import { visiblePackage, visibleVersion } from '../db/fragments';
import type { AuthContext } from '../env';
import { ApiError, conflict, forbidden, notFound } from '../errors';
import { deletionRefusals, FREE_DELETE_HOURS, MAX_WEEKLY_DOWNLOADS, NAME_HOLD_DAYS } from '../lib/deletion-policy';
import { lockAs } from './access';
import { writeAudit } from './audit';
import { removePackageCounters, settleDownloads } from './counters';
import { recordEvent } from './events';
import { refreshLatest } from './packages';
import { reserveName } from './reserved-names';

export interface Deleted {
  /** The versions deleted (one, or every version of the package). */
  versions: string[];
  /** R2 keys the deleted versions pointed at: candidates for removeBlobs. */
  r2Keys: string[];
  /** Webhook deliveries made in the transaction (package deletion), to enqueue after the commit. */
  deliveryIds: string[];
}

type Facts = {
  taken_down: boolean;
  /** Open reports about the package as a whole, and the versions open reports name. */
  reported_package: boolean;
  reported_versions: string[];
  owners: number;
  downloads_last_week: number;
  dependents: number;
  versions: {
    id: string;
    version: string;
    published_at: string;
    r2_key: string;
    checksum: string;
    taken_down: boolean;
  }[];
};

/** Everything the policy and the deletion need, in one statement (the package row is already locked). */
async function readFacts(tx: Tx, packageId: string): Promise<Facts> {
  const result = await tx.execute<Facts>(sql`
    select not ${visiblePackage('p')} as taken_down,
      -- Reports about this package (not an earlier holder of the name) still with the operators.
      exists (select 1 from reports r where r.status = 'open' and r.package_name = p.name
        and r.created_at >= p.created_at and r.version is null) as reported_package,
      coalesce((select array_agg(distinct r.version) from reports r where r.status = 'open'
        and r.package_name = p.name and r.created_at >= p.created_at and r.version is not null),
        '{}') as reported_versions,
      (select count(*) from package_owners o where o.package_id = p.id and o.role = 'owner')::int as owners,
      coalesce((
        select sum(vd.count) from version_downloads vd join versions v on v.id = vd.version_id
        where v.package_id = p.id and vd.day > (now() at time zone 'utc')::date - 7
      ), 0)::float8 as downloads_last_week,
      -- What operators took down is not served, so it depends on nothing: it must not block a deletion.
      (select count(distinct d.package_id) from versions d join packages dp on dp.id = d.package_id
        where d.dependencies ? p.name and d.package_id <> p.id and not d.yanked
          and ${visibleVersion('d')} and ${visiblePackage('dp')})::int as dependents,
      coalesce((
        select json_agg(json_build_object('id', v.id, 'version', v.version, 'published_at', v.published_at,
          'r2_key', v.r2_key, 'checksum', v.checksum, 'taken_down', not ${visibleVersion('v')}) order by v.published_at)
        from versions v where v.package_id = p.id
      ), '[]'::json) as versions
    from packages p where p.id = ${packageId}`);
  const row = result.rows[0];
  if (!row) throw new Error('locked package vanished');
  return row;
}

/** Throws the 403 naming every failed condition, unless the policy allows the deletion. */
function enforcePolicy(what: string, facts: Facts, publishedAt: string) {
  const refusals = deletionRefusals(
    {
      publishedAt: new Date(publishedAt),
      owners: Number(facts.owners),
      downloadsLastWeek: Number(facts.downloads_last_week),
      dependents: Number(facts.dependents),
    },
    new Date(),
  );
  if (refusals.length === 0) return;
  throw new ApiError(
    'permission_denied',
    `${what} was published more than ${FREE_DELETE_HOURS} hours ago, so it can only be deleted when it has a single ` +
      `owner, fewer than ${MAX_WEEKLY_DOWNLOADS} downloads in the last 7 days and no dependents; but ` +
      `${refusals.map((r) => r.message).join('; ')}.`,
    {
      failed: refusals.map((r) => r.condition),
      owners: Number(facts.owners),
      downloads_last_week: Number(facts.downloads_last_week),
      dependents: Number(facts.dependents),
    },
  );
}

/**
 * What operators took down stays with them: its blob is kept as evidence and
 * for a restore, so its owners cannot delete it (nor free its name).
 */
function refuseTakenDown(what: string, takenDown: boolean) {
  if (takenDown) {
    throw forbidden(`${what} was taken down by the registry operators; it cannot be deleted by its owners.`);
  }
}

/**
 * What someone reported stays until an operator has looked: a deletion would
 * take the evidence (the blob) with it, and lets a malware author beat the
 * review within the free 72 hours.
 */
function refuseReported(what: string, reported: boolean) {
  if (reported) {
    throw conflict(
      `${what} has an open report with the registry operators; it can be deleted once they have closed it.`,
    );
  }
}

/** Tombstones: these numbers can never be published again under this name. */
async function tombstone(tx: Tx, name: string, actor: AuthContext, rows: Facts['versions']) {
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into deleted_versions (package_name, version, checksum, deleted_by)
    select ${name}, x.version, x.checksum, ${actor.userId}::uuid
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(version text, checksum text)
    on conflict do nothing`);
}

export function deleteVersion(db: Database, actor: AuthContext, name: string, version: string): Promise<Deleted> {
  return db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', 'delete it or its versions');
    const facts = await readFacts(tx, pkg.id);
    const target = facts.versions.find((v) => v.version === version);
    if (!target) throw notFound(`${name} has no version "${version}".`);
    refuseTakenDown(`${name} ${version}`, facts.taken_down || target.taken_down);
    refuseReported(`${name} ${version}`, facts.reported_package || facts.reported_versions.includes(version));
    if (facts.versions.length === 1) {
      throw conflict(`${version} is the only version of ${name}: delete the whole package instead.`, {
        name,
        version,
      });
    }
    enforcePolicy(`${name} ${version}`, facts, target.published_at);

    await tombstone(tx, name, actor, [target]);
    // Its download rows go with it (cascade); the package total forgets them too.
    await tx.execute(sql`
      with gone as (delete from versions where id = ${target.id} returning downloads)
      update packages set downloads = greatest(downloads - (select downloads from gone), 0) where id = ${pkg.id}`);
    await refreshLatest(tx, pkg.id);
    // The registry's download counter and ranking follow the lowered total now.
    await settleDownloads(tx, pkg.id);
    await writeAudit(tx, actor, {
      action: 'version.delete',
      packageId: pkg.id,
      version,
      details: { checksum: target.checksum },
    });
    await recordEvent(tx, actor, {
      event: 'version.deleted',
      packageId: pkg.id,
      packageName: pkg.name,
      version,
      data: { checksum: target.checksum },
    });
    return { versions: [version], r2Keys: [target.r2_key], deliveryIds: [] };
  });
}

/**
 * Deletes the package and, by cascade, everything that hangs off it (versions,
 * download counts, owners, invitations, trusted publishers, its audit trail).
 * Webhooks survive it just long enough: the `package.deleted` event and any
 * event of the package not yet dispatched get their deliveries here, and the
 * webhooks' package_id becomes null instead of cascading them away.
 */
export function deletePackage(db: Database, actor: AuthContext, name: string): Promise<Deleted> {
  return db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', 'delete it or its versions');
    const facts = await readFacts(tx, pkg.id);
    refuseTakenDown(name, facts.taken_down || facts.versions.some((v) => v.taken_down));
    refuseReported(name, facts.reported_package || facts.reported_versions.length > 0);
    const oldest = facts.versions[0];
    if (oldest) enforcePolicy(name, facts, oldest.published_at);
    const versions = facts.versions.map((v) => v.version);

    await tombstone(tx, name, actor, facts.versions);
    await holdName(tx, name, new Date(Date.now() + NAME_HOLD_DAYS * 86_400_000));
    await recordEvent(tx, actor, {
      event: 'package.deleted',
      packageId: pkg.id,
      packageName: pkg.name,
      data: { versions },
    });
    const deliveryIds = await dispatchBeforeDeletion(tx, pkg.id);
    await removePackageCounters(tx, pkg.id);
    await tx.execute(sql`delete from packages where id = ${pkg.id}`);
    // After the delete: the package's own audit rows went with it; this one stays.
    await writeAudit(tx, actor, { action: 'package.delete', packageId: null, details: { package: name, versions } });
    return { versions, r2Keys: facts.versions.map((v) => v.r2_key), deliveryIds };
  });
}

/**
 * Turns the package's undispatched events into deliveries now, while the
 * package still exists: the usual dispatcher joins events to webhooks by
 * package id, which the deletion is about to null. Returns the delivery ids.
 */
async function dispatchBeforeDeletion(tx: Tx, packageId: string): Promise<string[]> {
  const result = await tx.execute<{ id: string }>(sql`
    with marked as (
      update webhook_events set dispatched_at = now()
      where package_id = ${packageId} and dispatched_at is null
      returning id, event
    )
    insert into webhook_deliveries (webhook_id, event_id)
    select w.id, m.id from marked m
    join webhooks w on w.package_id = ${packageId} and m.event = any(w.events) and w.paused_at is null
    on conflict (webhook_id, event_id) do nothing
    returning id`);
  return result.rows.map((r) => r.id);
}

/**
 * Deletes the blobs no version references any more. Run after the deletion
 * committed (a rollback must find its blobs). Follows the upload sweeper's
 * protocol (src/services/uploads.ts): it takes the key's upload-intent row,
 * so a publish of the same bytes either is in flight (the intent exists: the
 * blob is left to it, or to the sweeper) or waits for this to finish and then
 * uploads again.
 */
export async function removeBlobs(db: Database, bucket: R2Bucket, r2Keys: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const key of new Set(r2Keys)) {
    await db.transaction(async (tx) => {
      const taken = await tx.execute(sql`
        insert into upload_intents (r2_key) values (${key}) on conflict do nothing returning r2_key`);
      if (taken.rows.length === 0) return;
      if (!(await unreferenced(tx, key))) {
        await tx.execute(sql`delete from upload_intents where r2_key = ${key}`);
        return;
      }
      await bucket.delete(key);
      await tx.execute(sql`delete from upload_intents where r2_key = ${key}`);
      removed.push(key);
    });
  }
  return removed;
}

async function unreferenced(db: Queryable, key: string): Promise<boolean> {
  const result = await db.execute(sql`select 1 from versions where r2_key = ${key} limit 1`);
  return result.rows.length === 0;
}

/**
 * Holds a deleted package's name until `expiresAt` (src/services/reserved-names.ts),
 * unless a reservation already holds it as long or longer: an operator's
 * lasting reservation of the name must not be shortened to the deletion's 7 days.
 */
async function holdName(tx: Tx, name: string, expiresAt: Date): Promise<void> {
  const held = await tx.execute(sql`
    select 1 from reserved_names where name = ${name} and (expires_at is null or expires_at >= ${expiresAt.toISOString()})`);
  if (held.rows.length > 0) return;
  await reserveName(tx, name, `Deleted by its owners; free again after ${expiresAt.toISOString()}.`, expiresAt);
}
