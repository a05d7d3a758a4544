// Owners and maintainers of a package. Owners have full control; maintainers
// publish and yank. Changes lock the package row, so "never the last owner"
// holds under concurrent removals.
import { and, count, eq, sql } from 'drizzle-orm';
import type { Database, Queryable, Tx } from '../db/client';
import { type OwnerRole, packageOwners, users } from '../db/schema';
import type { AuthContext } from '../env';
import { forbidden, notFound } from '../errors';
import { writeAudit } from './audit';
import { iso, lockPackage, roleOf } from './packages';

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

async function lockAsOwner(tx: Tx, name: string, actor: AuthContext) {
  const pkg = await lockPackage(tx, name);
  if (!pkg) throw notFound(`No package named "${name}".`);
  if ((await roleOf(tx, pkg.id, actor.userId)) !== 'owner') {
    throw forbidden(`Only owners of "${name}" can change its owners.`);
  }
  return pkg;
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

/** Adds a user with a role, or changes the role of one already listed. */
export function addOwner(db: Database, actor: AuthContext, name: string, username: string, role: OwnerRole) {
  return db.transaction(async (tx) => {
    const pkg = await lockAsOwner(tx, name, actor);
    const user = await findUser(tx, username);
    const previous = await roleOf(tx, pkg.id, user.id);
    if (previous === 'owner' && role !== 'owner' && (await ownerCount(tx, pkg.id)) <= 1) throw lastOwner(name);
    const [row] = await tx
      .insert(packageOwners)
      .values({ packageId: pkg.id, userId: user.id, role })
      .onConflictDoUpdate({ target: [packageOwners.packageId, packageOwners.userId], set: { role } })
      .returning({ addedAt: packageOwners.addedAt });
    if (!row) throw new Error('owner upsert returned nothing');
    if (previous !== role) {
      await writeAudit(tx, actor, {
        action: previous ? 'owner.change' : 'owner.add',
        packageId: pkg.id,
        details: { username: user.username, user_id: user.id, role, previous_role: previous ?? null },
      });
    }
    return { username: user.username, role, addedAt: row.addedAt };
  });
}

export function removeOwner(db: Database, actor: AuthContext, name: string, username: string) {
  return db.transaction(async (tx) => {
    const pkg = await lockAsOwner(tx, name, actor);
    const user = await findUser(tx, username);
    const role = await roleOf(tx, pkg.id, user.id);
    if (!role) throw notFound(`"${username}" is not an owner or maintainer of "${name}".`);
    if (role === 'owner' && (await ownerCount(tx, pkg.id)) <= 1) throw lastOwner(name);
    await tx.delete(packageOwners).where(and(eq(packageOwners.packageId, pkg.id), eq(packageOwners.userId, user.id)));
    await writeAudit(tx, actor, {
      action: 'owner.remove',
      packageId: pkg.id,
      details: { username: user.username, user_id: user.id, role },
    });
    return { username: user.username };
  });
}
