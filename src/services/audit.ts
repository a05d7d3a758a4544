// The audit trail: rows written inside the transaction of the action they
// record, and the owners-only read of a package's trail (one statement).
import { sql } from 'drizzle-orm';
import type { Page, Queryable, Tx } from '../db/client';
import { iso } from '../db/fragments';
import { auditLog } from '../db/schema';
import type { AuthContext } from '../env';
import { forbidden } from '../errors';
import { tokenAllows } from '../lib/token-rules';
import { callerRole, requireRole } from './access';

export type AuditAction =
  | 'publish'
  | 'yank'
  | 'unyank'
  | 'owner.add'
  | 'owner.change'
  | 'owner.remove'
  | 'invitation.create'
  | 'invitation.accept'
  | 'invitation.decline'
  | 'invitation.cancel'
  | 'deprecate'
  | 'undeprecate'
  | 'webhook.create'
  | 'webhook.delete'
  | 'trusted_publisher.create'
  | 'trusted_publisher.delete'
  | 'trusted_publishing.require'
  | 'trusted_token.create'
  | 'webhook.pause'
  | 'webhook.resume'
  | 'webhook.redeliver'
  | 'version.delete'
  | 'package.delete';

export async function writeAudit(
  tx: Tx,
  actor: AuthContext,
  // packageId is null for a deleted package's last row (the package's own rows go with it).
  entry: { action: AuditAction; packageId: string | null; version?: string; details?: Record<string, unknown> },
): Promise<void> {
  await tx.insert(auditLog).values({
    actorId: actor.userId,
    tokenId: actor.tokenId,
    action: entry.action,
    packageId: entry.packageId,
    version: entry.version ?? null,
    details: entry.details ?? {},
  });
}

type AuditRow = {
  role: string | null;
  entries: {
    id: string;
    action: string;
    version: string;
    actor: { username: string; user_id: string };
    token_id: string;
    details: Record<string, unknown>;
    created_at: string;
  }[];
};

/**
 * Newest first. Only the package's owners may read it, and only with a token
 * that may manage its owners: a publish-only CI token has no business reading
 * who did what (checked before any database work).
 */
export async function listAudit(db: Queryable, name: string, actor: AuthContext, page: Page) {
  if (!tokenAllows(actor, 'owners', name))
    throw forbidden(`This token may not read the audit trail of "${name}": it needs the "owners" scope for it.`);
  const result = await db.execute<AuditRow>(sql`
    select
      ${callerRole(actor.userId)} as role,
      coalesce((
        select json_agg(json_build_object(
          'id', a.id, 'action', a.action, 'version', coalesce(a.version, ''),
          'actor', json_build_object('username', coalesce(u.username, ''), 'user_id', coalesce(a.actor_id::text, '')),
          'token_id', coalesce(a.token_id::text, ''), 'details', a.details, 'created_at', ${iso('a.created_at')}
        ) order by a.created_at desc, a.id)
        from (
          select * from audit_log where package_id = p.id
          order by created_at desc, id limit ${page.limit} offset ${page.offset}
        ) a left join users u on u.id = a.actor_id
      ), '[]'::json) as entries
    from packages p
    where p.name = ${name}`);
  return requireRole(name, result.rows[0], 'owner', 'read its audit trail').entries;
}
