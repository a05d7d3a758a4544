// Operators' takedowns: a version or a whole package leaves every listing and
// read (src/db/fragments.ts defines "visible"), its downloads answer 451 with
// the reason, and its blob stays in R2 so a restore brings it back unchanged.
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { AuthContext } from '../env';
import { notFound } from '../errors';
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
  target: { name: string; version?: string },
  change: { down: boolean; reason: string },
): Promise<TakedownChange> {
  const { name, version } = target;
  const reason = change.down ? change.reason : null;
  return db.transaction(async (tx) => {
    const pkg = await lockPackage(tx, name);
    if (!pkg) throw notFound(`No package named "${name}".`);
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
