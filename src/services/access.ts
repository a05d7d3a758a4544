// Who may act on a package: the one place for role checks and their refusals.
// Writes lock the package row and read the caller's role in one statement
// (lockAs), so a concurrent owner change cannot slip between the check and the
// write. Reads fetch the caller's role inside the statement that fetches the
// rows (callerRole) and check it with requireRole: still one round trip.
import { sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../db/client';
import { visiblePackage } from '../db/fragments';
import type { AuthContext } from '../env';
import { forbidden, notFound } from '../errors';

export type Role = 'owner' | 'maintainer';

/** `owner` admits owners only; `maintainer` admits owners and maintainers. */
export function hasRole(role: string | null | undefined, need: Role): boolean {
  return need === 'owner' ? role === 'owner' : role === 'owner' || role === 'maintainer';
}

const noSuchPackage = (name: string) => notFound(`No package named "${name}".`);

/** `action` completes "Only owners of <name> can …" (ignored for maintainers' refusals). */
export function notAllowed(name: string, need: Role, action: string) {
  return need === 'owner'
    ? forbidden(`Only owners of "${name}" can ${action}.`)
    : forbidden(`You are not an owner or maintainer of "${name}".`);
}

/** SQL: the caller's role on the package aliased `p` (null when not a member). */
export const callerRole = (userId: string) =>
  sql`(select o.role from package_owners o where o.package_id = p.id and o.user_id = ${userId})`;

/** Checks a row read with `callerRole(...) as role`; throws the standard 404 / 403. */
export function requireRole<T extends { role: string | null }>(
  name: string,
  row: T | undefined,
  need: Role,
  action: string,
): T {
  if (!row) throw noSuchPackage(name);
  if (!hasRole(row.role, need)) throw notAllowed(name, need, action);
  return row;
}

export type LockedPackage = {
  id: string;
  name: string;
  /** The caller's role, or null when the caller is not a member. */
  role: Role | null;
  /** Only trusted-publishing tokens may publish it (owners still manage it). */
  requireTrusted: boolean;
  /** Operators took it down: nothing new may be published to it. */
  takenDown: boolean;
};

/**
 * Locks the package row for the rest of the transaction and reads the caller's
 * role with it: writes to one package (publish, yank, owner changes) are
 * serialised, so `latest_version` and the "last owner" rule cannot race.
 */
export async function lockPackage(tx: Tx, name: string, userId: string | null = null) {
  const result = await tx.execute<LockedPackage>(sql`
    select p.id, p.name, ${userId === null ? sql`null::text` : callerRole(userId)} as role,
      p.require_trusted_publishing as "requireTrusted", not ${visiblePackage('p')} as "takenDown"
    from packages p where p.name = ${name} for update of p`);
  return result.rows[0];
}

/** Locks the package as `need`: the package or the standard 404 / 403. */
export async function lockAs(tx: Tx, name: string, actor: AuthContext, need: Role, action: string) {
  const pkg = await lockPackage(tx, name, actor.userId);
  return requireRole(name, pkg, need, action);
}

/** A member's role on a package (for owner changes that look at someone else). */
export async function roleOf(db: Queryable, packageId: string, userId: string): Promise<Role | undefined> {
  const result = await db.execute<{ role: Role }>(sql`
    select role from package_owners where package_id = ${packageId} and user_id = ${userId}`);
  return result.rows[0]?.role;
}
