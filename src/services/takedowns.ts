// Operators' takedowns: a version or a whole package leaves every listing and
// read (src/db/fragments.ts defines "visible"), its downloads answer 451 with
// the reason, and its blob stays in R2 so a restore brings it back unchanged.
import { sql } from 'drizzle-orm';
import type { Database, Queryable } from '../db/client';
import type { AuthContext } from '../env';
import { conflict, notFound } from '../errors';
import { lockPackage } from './access';
import { recordOperatorAction } from './operators';
import { refreshLatest } from './packages';

export interface TakedownChange {
  name: string;
  /** Absent for a whole-package action. */
  version?: string;
  /** Every version number of the package (whole-package actions) or the one version: their cached downloads go. */
  versions: string[];
  takenDownAt: Date | null;
}

/**
 * Takes down (`down`) or restores a version or the whole package, in one
 * transaction with its operator audit record. Taking down what is already down
 * replaces the reason and keeps the original time.
 */
export function setTakedown(
  db: Database,
  actor: AuthContext,
  /** `reportedAt`: acting on a report filed then, so the package must be at least that old (see below). */
  target: { name: string; version?: string; reportedAt?: string },
  change: { down: boolean; reason: string },
): Promise<TakedownChange> {
  const { name, version } = target;
  const reason = change.down ? change.reason : null;
  return db.transaction(async (tx) => {
    const pkg = await lockPackage(tx, name);
    if (!pkg) throw notFound(`No package named "${name}".`);
    if (target.reportedAt !== undefined) await refuseNewerPackage(tx, pkg.id, name, target.reportedAt);
    const at = reason === null ? sql`null` : sql`coalesce(taken_down_at, now())`;
    const result =
      version === undefined
        ? await tx.execute<{ taken_down_at: Date | null; versions: string[] }>(sql`
            update packages p set taken_down_at = ${at}, takedown_reason = ${reason}
            where p.id = ${pkg.id}
            returning p.taken_down_at,
              array(select v.version from versions v where v.package_id = p.id) as versions`)
        : await tx.execute<{ taken_down_at: Date | null; versions: string[] }>(sql`
            update versions set taken_down_at = ${at}, takedown_reason = ${reason}
            where package_id = ${pkg.id} and version = ${version}
            returning taken_down_at, array[version] as versions`);
    const row = result.rows[0];
    if (!row) throw notFound(`${name} has no version "${version}".`);
    await refreshLatest(tx, pkg.id);
    const scope = version === undefined ? 'package' : 'version';
    await recordOperatorAction(tx, actor, {
      action: `${scope}.${change.down ? 'takedown' : 'restore'}`,
      package: name,
      version,
      reason: change.reason,
    });
    const takenDownAt = row.taken_down_at === null ? null : new Date(row.taken_down_at);
    return { name, version, versions: row.versions, takenDownAt };
  });
}

/**
 * A report names a package by name; the package it meant may have been deleted
 * and the name taken since by someone else (after the 7-day hold). Taking down
 * from such a report would hit the newcomer's unrelated package.
 */
async function refuseNewerPackage(tx: Queryable, packageId: string, name: string, reportedAt: string) {
  const result = await tx.execute(sql`
    select 1 from packages where id = ${packageId} and date_trunc('milliseconds', created_at) > ${reportedAt}::timestamptz`);
  if (result.rows.length > 0) {
    throw conflict(
      `The report is about an earlier package named "${name}", deleted since; the package now under that name was ` +
        'published after the report. Take it down by name if it is bad too.',
    );
  }
}
