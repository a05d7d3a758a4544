// Operators' suspensions: a suspended user cannot sign in (login says why) and
// every token and session they hold, and every invitation they sent still
// pending, is revoked in the same transaction, so nothing issued before the
// suspension works after it. Their packages stay as they are. Unsuspending
// lets them sign in again; the revoked tokens and invitations stay revoked.
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { AuthContext } from '../env';
import { forbidden, notFound } from '../errors';
import { recordOperatorAction } from './operators';

export interface SuspensionChange {
  username: string;
  userId: string;
  suspendedAt: Date | null;
  /** Tokens this suspension revoked (none on unsuspend): the rate limiter is told about them. */
  revoked: { tokenId: string; expiresAt: Date }[];
}

export function setSuspended(
  db: Database,
  actor: AuthContext,
  username: string,
  change: { suspend: boolean; reason: string },
): Promise<SuspensionChange> {
  if (change.suspend && username === actor.username) throw forbidden('Operators cannot suspend themselves.');
  return db.transaction(async (tx) => {
    const reason = change.suspend ? change.reason : null;
    const at = change.suspend ? sql`coalesce(suspended_at, now())` : sql`null`;
    const updated = await tx.execute<{ id: string; suspended_at: Date | null }>(sql`
      update users set suspended_at = ${at}, suspension_reason = ${reason}
      where username = ${username}
      returning id, suspended_at`);
    const user = updated.rows[0];
    if (!user) throw notFound(`No user named "${username}".`);
    let revoked: SuspensionChange['revoked'] = [];
    if (change.suspend) {
      const rows = await tx.execute<{ id: string; expires_at: Date }>(sql`
        update api_tokens set revoked_at = now()
        where user_id = ${user.id} and revoked_at is null and expires_at > now()
        returning id, expires_at`);
      revoked = rows.rows.map((r) => ({ tokenId: r.id, expiresAt: new Date(r.expires_at) }));
      // An invitation is a grant made in their name too: accepted later, it would add an owner they chose.
      await tx.execute(sql`
        update package_invitations set status = 'cancelled', resolved_at = now()
        where invited_by = ${user.id} and status = 'pending'`);
    }
    await recordOperatorAction(tx, actor, {
      action: change.suspend ? 'user.suspend' : 'user.unsuspend',
      username,
      reason: change.reason,
    });
    const suspendedAt = user.suspended_at === null ? null : new Date(user.suspended_at);
    return { username, userId: user.id, suspendedAt, revoked };
  });
}
