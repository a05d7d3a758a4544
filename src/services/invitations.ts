// Invitations to own or maintain a package. Adding a non-member only invites
// them: they are not listed and cannot act until they accept, so nobody can be
// made to vouch for a package without consent. Every step is audited in the
// transaction that takes it. Expired invitations are simply never matched
// (not listed, not acceptable); a new invite replaces them.
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Database, Queryable, Tx } from '../db/client';
import { iso } from '../db/fragments';
import { type OwnerRole, packageInvitations, packageOwners, packages } from '../db/schema';
import type { AuthContext } from '../env';
import { forbidden, notFound } from '../errors';
import { callerRole, lockAs, lockPackage, requireRole } from './access';
import { writeAudit } from './audit';

const INVITATION_TTL_DAYS = 30;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Someone else's, expired, answered and cancelled invitations all read as absent:
// an invitee learns nothing about invitations that are not theirs to answer.
const noInvitation = () =>
  notFound('No pending invitation of yours with that id (it may have expired, been answered or been cancelled).');

const live = and(eq(packageInvitations.status, 'pending'), gt(packageInvitations.expiresAt, sql`now()`));

/**
 * Invites `user` (not a member) to `pkg`. Call with the package locked by an
 * owner. A pending invitation for the same user is replaced (a new id, so an
 * accept aimed at the old terms cannot take the new role).
 */
export async function createInvitation(
  tx: Tx,
  actor: AuthContext,
  pkg: { id: string },
  user: { id: string; username: string },
  role: OwnerRole,
) {
  const [replaced] = await tx
    .update(packageInvitations)
    .set({ status: 'replaced', resolvedAt: sql`now()` })
    .where(
      and(
        eq(packageInvitations.packageId, pkg.id),
        eq(packageInvitations.userId, user.id),
        eq(packageInvitations.status, 'pending'),
      ),
    )
    .returning({ id: packageInvitations.id });
  const [row] = await tx
    .insert(packageInvitations)
    .values({
      packageId: pkg.id,
      userId: user.id,
      role,
      invitedBy: actor.userId,
      expiresAt: sql`now() + make_interval(days => ${INVITATION_TTL_DAYS})`,
    })
    .returning({ id: packageInvitations.id, expiresAt: packageInvitations.expiresAt });
  if (!row) throw new Error('invitation insert returned nothing');
  await writeAudit(tx, actor, {
    action: 'invitation.create',
    packageId: pkg.id,
    details: {
      invitation_id: row.id,
      username: user.username,
      user_id: user.id,
      role,
      expires_at: row.expiresAt.toISOString(),
      replaced: replaced?.id ?? null,
    },
  });
  return { invitationId: row.id, expiresAt: row.expiresAt };
}

type PackageInvitationsRow = {
  role: string | null;
  invitations: {
    invitation_id: string;
    username: string;
    role: OwnerRole;
    invited_by: string;
    created_at: string;
    expires_at: string;
  }[];
};

/** A package's live invitations, oldest first; owners only. One statement. */
export async function listPackageInvitations(db: Queryable, name: string, actor: AuthContext) {
  const result = await db.execute<PackageInvitationsRow>(sql`
    select
      ${callerRole(actor.userId)} as role,
      coalesce((
        select json_agg(json_build_object(
          'invitation_id', i.id, 'username', u.username, 'role', i.role,
          'invited_by', coalesce(b.username, ''),
          'created_at', ${iso('i.created_at')}, 'expires_at', ${iso('i.expires_at')}
        ) order by i.created_at, i.id)
        from package_invitations i
        join users u on u.id = i.user_id
        left join users b on b.id = i.invited_by
        where i.package_id = p.id and i.status = 'pending' and i.expires_at > now()
      ), '[]'::json) as invitations
    from packages p
    where p.name = ${name}`);
  return requireRole(name, result.rows[0], 'owner', 'see its invitations').invitations;
}

type MyInvitationsRow = {
  invitations: {
    invitation_id: string;
    package: string;
    role: OwnerRole;
    invited_by: string;
    created_at: string;
    expires_at: string;
  }[];
};

/** The caller's live invitations, oldest first. One statement. */
export async function listMyInvitations(db: Queryable, userId: string) {
  const result = await db.execute<MyInvitationsRow>(sql`
    select coalesce(json_agg(json_build_object(
      'invitation_id', i.id, 'package', p.name, 'role', i.role,
      'invited_by', coalesce(b.username, ''),
      'created_at', ${iso('i.created_at')}, 'expires_at', ${iso('i.expires_at')}
    ) order by i.created_at, i.id), '[]'::json) as invitations
    from package_invitations i
    join packages p on p.id = i.package_id
    left join users b on b.id = i.invited_by
    where i.user_id = ${userId} and i.status = 'pending' and i.expires_at > now()`);
  return result.rows[0]?.invitations ?? [];
}

/** Withdraws a live invitation of `name`; owners only. */
export function cancelInvitation(db: Database, actor: AuthContext, name: string, invitationId: string) {
  return db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', 'cancel its invitations');
    if (!UUID.test(invitationId)) throw notFound(`"${name}" has no pending invitation with that id.`);
    const [row] = await tx
      .update(packageInvitations)
      .set({ status: 'cancelled', resolvedAt: sql`now()` })
      .where(and(eq(packageInvitations.id, invitationId), eq(packageInvitations.packageId, pkg.id), live))
      .returning({ userId: packageInvitations.userId, role: packageInvitations.role });
    if (!row) throw notFound(`"${name}" has no pending invitation with that id.`);
    await writeAudit(tx, actor, {
      action: 'invitation.cancel',
      packageId: pkg.id,
      details: { invitation_id: invitationId, user_id: row.userId, role: row.role },
    });
  });
}

/**
 * Accepts one of the caller's live invitations: the claim (a conditional
 * update) and the membership insert commit together or not at all, under the
 * package lock every owner change takes, so a concurrent cancel, decline or
 * removal is either wholly before or wholly after. `mayAct` is the token's
 * scope/pattern check, which needs the package name.
 */
export function acceptInvitation(
  db: Database,
  actor: AuthContext,
  invitationId: string,
  mayAct: (packageName: string) => boolean,
) {
  if (!UUID.test(invitationId)) throw noInvitation();
  return db.transaction(async (tx) => {
    const [found] = await tx
      .select({ name: packages.name })
      .from(packageInvitations)
      .innerJoin(packages, eq(packages.id, packageInvitations.packageId))
      .where(and(eq(packageInvitations.id, invitationId), eq(packageInvitations.userId, actor.userId)));
    if (!found) throw noInvitation();
    if (!mayAct(found.name)) throw forbidden(`This token may not change the owners of "${found.name}".`);
    const pkg = await lockPackage(tx, found.name);
    if (!pkg) throw noInvitation();
    const [claimed] = await tx
      .update(packageInvitations)
      .set({ status: 'accepted', resolvedAt: sql`now()` })
      .where(and(eq(packageInvitations.id, invitationId), eq(packageInvitations.userId, actor.userId), live))
      .returning({ role: packageInvitations.role });
    if (!claimed) throw noInvitation();
    // Never already a member: invitations go to non-members only, and both
    // that check and this insert run under the package lock.
    const [member] = await tx
      .insert(packageOwners)
      .values({ packageId: pkg.id, userId: actor.userId, role: claimed.role })
      .returning({ addedAt: packageOwners.addedAt });
    if (!member) throw new Error('owner insert returned nothing');
    await writeAudit(tx, actor, {
      action: 'invitation.accept',
      packageId: pkg.id,
      details: { invitation_id: invitationId, username: actor.username, user_id: actor.userId, role: claimed.role },
    });
    return { package: pkg.name, role: claimed.role, addedAt: member.addedAt };
  });
}

/** Declines one of the caller's live invitations. */
export function declineInvitation(db: Database, actor: AuthContext, invitationId: string) {
  if (!UUID.test(invitationId)) throw noInvitation();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(packageInvitations)
      .set({ status: 'declined', resolvedAt: sql`now()` })
      .where(and(eq(packageInvitations.id, invitationId), eq(packageInvitations.userId, actor.userId), live))
      .returning({ packageId: packageInvitations.packageId, role: packageInvitations.role });
    if (!row) throw noInvitation();
    await writeAudit(tx, actor, {
      action: 'invitation.decline',
      packageId: row.packageId,
      details: { invitation_id: invitationId, username: actor.username, user_id: actor.userId, role: row.role },
    });
  });
}

/**
 * Withdraws the live invitations `inviterId` sent for a package, when they stop
 * being an owner: a removed owner must not get back in through an accomplice's
 * invitation accepted later. Call under the package lock.
 */
export async function cancelInvitationsFrom(tx: Tx, actor: AuthContext, packageId: string, inviterId: string) {
  const rows = await tx
    .update(packageInvitations)
    .set({ status: 'cancelled', resolvedAt: sql`now()` })
    .where(and(eq(packageInvitations.packageId, packageId), eq(packageInvitations.invitedBy, inviterId), live))
    .returning({ id: packageInvitations.id, userId: packageInvitations.userId, role: packageInvitations.role });
  for (const row of rows) {
    await writeAudit(tx, actor, {
      action: 'invitation.cancel',
      packageId,
      details: { invitation_id: row.id, user_id: row.userId, role: row.role, reason: 'inviter no longer an owner' },
    });
  }
}
