// Owners and maintainers of a package. Owners have full control; maintainers
// publish and yank. Newcomers are invited (services/invitations.ts) and become
// members only by accepting. Changes lock the package row, so "never the last
// owner" holds under concurrent removals.
import { and, count, eq, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { iso } from '../db/fragments';
import { type OwnerRole, packageOwners, users } from '../db/schema';
import type { AuthContext } from '../env';
import { conflict, forbidden, notFound } from '../errors';
import { lockAs, roleOf } from './access';
import { writeAudit } from './audit';
import { cancelInvitationsFrom, createInvitation } from './invitations';

type OwnersRow = {
  owners: { username: string; user_id: string; role: OwnerRole; added_at: string }[];
};

export async function listOwners(db: Queryable, name: string) {
  const result = await db.execute<OwnersRow>(sql`
    select coalesce((
      select json_agg(json_build_object(
        'username', u.username, 'user_id', u.id, 'role', o.role, 'added_at', ${iso('o.added_at')}
      ) order by o.added_at, u.username)
      from package_owners o join users u on u.id = o.user_id
      where o.package_id = p.id
    ), '[]'::json) as owners
    from packages p where p.name = ${name}`);
  return result.rows[0]?.owners;
}

async function findUser(tx: Queryable, username: string) {
  const [user] = await tx
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(eq(users.username, username));
  if (!user) throw notFound(`No user named "${username}".`);
  return user;
}

async function ownerCount(tx: Queryable, packageId: string) {
  const [row] = await tx
    .select({ n: count() })
    .from(packageOwners)
    .where(and(eq(packageOwners.packageId, packageId), eq(packageOwners.role, 'owner')));
  return row?.n ?? 0;
}

const lastOwner = (name: string) => forbidden(`That would leave "${name}" without an owner; add another owner first.`);

export type MemberChange =
  | { kind: 'invited'; username: string; role: OwnerRole; invitationId: string; expiresAt: Date }
  | { kind: 'member'; username: string; role: OwnerRole; addedAt: Date };

/**
 * Changes a member's role at once, or invites a non-member (who joins only by
 * accepting). A concurrent invite of the same user would wait on the package
 * lock; the unique index on pending invitations is the backstop.
 */
export async function addOwner(
  db: Database,
  actor: AuthContext,
  name: string,
  username: string,
  role: OwnerRole,
): Promise<MemberChange> {
  try {
    return await db.transaction(async (tx) => {
      const pkg = await lockAs(tx, name, actor, 'owner', 'change its owners');
      const user = await findUser(tx, username);
      const previous = await roleOf(tx, pkg.id, user.id);
      if (!previous) {
        const invited = await createInvitation(tx, actor, pkg, user, role);
        return { kind: 'invited' as const, username: user.username, role, ...invited };
      }
      if (previous === 'owner' && role !== 'owner' && (await ownerCount(tx, pkg.id)) <= 1) throw lastOwner(name);
      const [row] = await tx
        .update(packageOwners)
        .set({ role })
        .where(and(eq(packageOwners.packageId, pkg.id), eq(packageOwners.userId, user.id)))
        .returning({ addedAt: packageOwners.addedAt });
      if (!row) throw new Error('owner update returned nothing');
      if (previous !== role) {
        if (previous === 'owner') await cancelInvitationsFrom(tx, actor, pkg.id, user.id);
        await writeAudit(tx, actor, {
          action: 'owner.change',
          packageId: pkg.id,
          details: { username: user.username, user_id: user.id, role, previous_role: previous },
        });
      }
      return { kind: 'member' as const, username: user.username, role, addedAt: row.addedAt };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'package_invitations_pending_key')) {
      throw conflict(`"${username}" was invited to "${name}" by a concurrent request; retry.`);
    }
    throw err;
  }
}

export function removeOwner(db: Database, actor: AuthContext, name: string, username: string) {
  return db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', 'change its owners');
    const user = await findUser(tx, username);
    const role = await roleOf(tx, pkg.id, user.id);
    if (!role) throw notFound(`"${username}" is not an owner or maintainer of "${name}".`);
    if (role === 'owner' && (await ownerCount(tx, pkg.id)) <= 1) throw lastOwner(name);
    await tx.delete(packageOwners).where(and(eq(packageOwners.packageId, pkg.id), eq(packageOwners.userId, user.id)));
    if (role === 'owner') await cancelInvitationsFrom(tx, actor, pkg.id, user.id);
    await writeAudit(tx, actor, {
      action: 'owner.remove',
      packageId: pkg.id,
      details: { username: user.username, user_id: user.id, role },
    });
    return { username: user.username };
  });
}
