// Reserved package names: what operators reserve (until released) and what a
// package deletion reserves for a while (expiresAt). Publishing a new package
// whose name, or a lookalike of it, is reserved is refused for everyone; the
// built-in words stay in src/lib/package-name.ts. Packages that already exist
// keep publishing: reserving a name is not a takedown.
import { sql } from 'drizzle-orm';
import type { Database, Page, Queryable } from '../db/client';
import { iso } from '../db/fragments';
import type { AuthContext } from '../env';
import { forbidden, notFound } from '../errors';
import { canonicalName } from '../lib/package-name';
import { recordOperatorAction } from './operators';

/**
 * Reserves `name` (replacing the reason and expiry of an existing reservation).
 * Call inside the transaction of the action that reserves it.
 */
export async function reserveName(
  tx: Queryable,
  name: string,
  reason: string,
  expiresAt?: Date | null,
  reservedBy?: string | null,
): Promise<{ createdAt: Date; expiresAt: Date | null }> {
  const result = await tx.execute<{ created_at: Date; expires_at: Date | null }>(sql`
    insert into reserved_names (name, canonical_name, reason, reserved_by, expires_at)
    values (${name}, ${canonicalName(name)}, ${reason}, ${reservedBy ?? null}, ${expiresAt?.toISOString() ?? null})
    on conflict (name) do update set reason = excluded.reason, reserved_by = excluded.reserved_by,
      expires_at = excluded.expires_at, created_at = now()
    returning created_at, expires_at`);
  const row = result.rows[0];
  if (!row) throw new Error('reserved name upsert returned nothing');
  return { createdAt: new Date(row.created_at), expiresAt: row.expires_at === null ? null : new Date(row.expires_at) };
}

/** An operator's reservation, with its audit record. */
export function reserveByOperator(
  db: Database,
  actor: AuthContext,
  name: string,
  reason: string,
  expiresAt: Date | null,
) {
  return db.transaction(async (tx) => {
    const row = await reserveName(tx, name, reason, expiresAt, actor.userId);
    await recordOperatorAction(tx, actor, { action: 'name.reserve', name, reason });
    return row;
  });
}

/** An operator's release, with its audit record; 404 when the name is not reserved. */
export function releaseByOperator(db: Database, actor: AuthContext, name: string): Promise<void> {
  return db.transaction(async (tx) => {
    if (!(await releaseName(tx, name))) throw notFound(`"${name}" is not reserved.`);
    await recordOperatorAction(tx, actor, { action: 'name.release', name });
  });
}

/** Releases a reservation; false when the name was not reserved (or had expired). */
async function releaseName(tx: Queryable, name: string): Promise<boolean> {
  const result = await tx.execute<{ name: string }>(sql`
    delete from reserved_names where name = ${name} and (expires_at is null or expires_at > now()) returning name`);
  return result.rows.length > 0;
}

/** Throws the publish refusal when `name` or a lookalike of it is reserved and not expired. */
export async function refuseReservedName(db: Queryable, name: string): Promise<void> {
  const result = await db.execute<{ name: string }>(sql`
    select name from reserved_names
    where canonical_name = ${canonicalName(name)} and (expires_at is null or expires_at > now())
    limit 1`);
  const hit = result.rows[0];
  if (!hit) return;
  const which = hit.name === name ? `"${name}" is` : `"${name}" looks like "${hit.name}", which is`;
  throw forbidden(`${which} reserved by the registry and cannot be published.`);
}

export type ReservedNameView = {
  name: string;
  reason: string;
  reserved_by: string;
  created_at: string;
  expires_at: string;
};

/** Reservations still in force, newest first, one statement. */
export async function listReservedNames(db: Queryable, page: Page): Promise<ReservedNameView[]> {
  const result = await db.execute<ReservedNameView>(sql`
    select r.name, r.reason, coalesce(u.username, '') as reserved_by, ${iso('r.created_at')} as created_at,
      coalesce(${iso('r.expires_at')}, '') as expires_at
    from reserved_names r left join users u on u.id = r.reserved_by
    where r.expires_at is null or r.expires_at > now()
    order by r.created_at desc, r.name
    limit ${page.limit} offset ${page.offset}`);
  return result.rows;
}
