// Registry operators: who they are (ADMIN_USERNAMES, read on every request so a
// changed list applies at once) and the log of what they did. Every operator
// action calls recordOperatorAction inside its own transaction (pass the tx), so an action
// and its record commit together or not at all.
import { sql } from 'drizzle-orm';
import type { Page, Queryable } from '../db/client';
import { iso } from '../db/fragments';
import { operatorActions } from '../db/schema';
import type { AuthContext } from '../env';

/** The usernames named in ADMIN_USERNAMES (comma-separated; blanks and spaces ignored). */
function operatorUsernames(raw: string | undefined): Set<string> {
  return new Set(
    (raw ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  );
}

export function isOperator(raw: string | undefined, username: string): boolean {
  return operatorUsernames(raw).has(username);
}

/** Action names; other areas (reports, deletion) add theirs here. */
type OperatorAction =
  | 'package.takedown'
  | 'package.restore'
  | 'version.takedown'
  | 'version.restore'
  | 'user.suspend'
  | 'user.unsuspend'
  | 'name.reserve'
  | 'name.release'
  | 'report.close';

export interface OperatorActionEntry {
  action: OperatorAction;
  package?: string;
  version?: string;
  username?: string;
  /** A reserved name, or another target that is neither a package nor a user. */
  name?: string;
  reason?: string;
}

export async function recordOperatorAction(
  tx: Queryable,
  actor: AuthContext,
  entry: OperatorActionEntry,
): Promise<void> {
  await tx.insert(operatorActions).values({
    actorId: actor.userId,
    actorUsername: actor.username,
    action: entry.action,
    targetPackage: entry.package ?? null,
    targetVersion: entry.version ?? null,
    targetUser: entry.username ?? null,
    targetName: entry.name ?? null,
    reason: entry.reason ?? '',
  });
}

export type OperatorActionView = {
  id: string;
  action: string;
  actor: { username: string; user_id: string };
  package: string;
  version: string;
  username: string;
  name: string;
  reason: string;
  created_at: string;
};

/** Newest first, one statement; absent targets are "" (the contract never sends null for strings). */
export async function listOperatorActions(db: Queryable, page: Page): Promise<OperatorActionView[]> {
  const result = await db.execute<OperatorActionView>(sql`
    select a.id, a.action,
      json_build_object('username', a.actor_username, 'user_id', coalesce(a.actor_id::text, '')) as actor,
      coalesce(a.target_package, '') as package, coalesce(a.target_version, '') as version,
      coalesce(a.target_user, '') as username, coalesce(a.target_name, '') as name,
      a.reason, ${iso('a.created_at')} as created_at
    from operator_actions a
    order by a.created_at desc, a.id desc
    limit ${page.limit} offset ${page.offset}`);
  return result.rows;
}
