// Token rows: issue, authenticate (one statement), list, revoke, rotate.
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { apiTokens } from '../db/schema';
import type { AuthContext } from '../env';
import { signToken } from '../lib/tokens';

export const TOKEN_SCOPES = ['publish', 'yank', 'owners'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface IssueTokenInput {
  userId: string;
  name: string;
  kind: 'session' | 'api';
  ttlDays: number;
  scopes?: TokenScope[];
  packagePattern?: string | null;
}

export interface IssuedToken {
  token: string;
  tokenId: string;
  name: string;
  createdAt: Date;
  expiresAt: Date;
}

const DAY_MS = 86_400_000;

export async function issueToken(db: Queryable, secret: string, input: IssueTokenInput): Promise<IssuedToken> {
  const expiresAt = new Date(Date.now() + input.ttlDays * DAY_MS);
  const [row] = await db
    .insert(apiTokens)
    .values({
      userId: input.userId,
      name: input.name,
      kind: input.kind,
      scopes: input.scopes ?? [],
      packagePattern: input.packagePattern ?? null,
      expiresAt,
    })
    .returning({ id: apiTokens.id, createdAt: apiTokens.createdAt });
  if (!row) throw new Error('token insert returned nothing');
  const token = await signToken({ userId: input.userId, tokenId: row.id, expiresAt }, secret);
  return { token, tokenId: row.id, name: input.name, createdAt: row.createdAt, expiresAt };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Confirms a verified token is still live (not revoked, not expired, user
 * exists) and records its use, in one statement. `last_used` is written at most
 * once a minute per token so authenticated traffic does not become write traffic.
 */
export async function authenticateToken(
  db: Queryable,
  claims: { userId: string; tokenId: string },
): Promise<AuthContext | null> {
  if (!UUID.test(claims.tokenId) || !UUID.test(claims.userId)) return null;
  const result = await db.execute<{
    id: string;
    user_id: string;
    username: string;
    kind: 'session' | 'api';
    scopes: string[];
    package_pattern: string | null;
  }>(sql`
    with live as (
      select t.id, t.user_id, u.username, t.kind, t.scopes, t.package_pattern
      from api_tokens t join users u on u.id = t.user_id
      where t.id = ${claims.tokenId} and t.user_id = ${claims.userId}
        and t.revoked_at is null and t.expires_at > now()
    ), touched as (
      update api_tokens set last_used = now()
      where id = (select id from live) and (last_used is null or last_used < now() - interval '1 minute')
      returning id
    )
    select id, user_id, username, kind, scopes, package_pattern from live`);
  const row = result.rows[0];
  if (!row) return null;
  return {
    userId: row.user_id,
    username: row.username,
    tokenId: row.id,
    tokenKind: row.kind,
    scopes: row.scopes,
    packagePattern: row.package_pattern,
  };
}

export function listLiveTokens(db: Queryable, userId: string) {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      kind: apiTokens.kind,
      scopes: apiTokens.scopes,
      packagePattern: apiTokens.packagePattern,
      createdAt: apiTokens.createdAt,
      lastUsed: apiTokens.lastUsed,
      expiresAt: apiTokens.expiresAt,
    })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt), gt(apiTokens.expiresAt, sql`now()`)))
    .orderBy(desc(apiTokens.createdAt));
}

/** Revokes one of the user's tokens; false when it is not theirs or already revoked. */
export async function revokeToken(db: Queryable, userId: string, tokenId: string): Promise<boolean> {
  if (!UUID.test(tokenId)) return false;
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

/** Whether a token may use `scope` on `packageName` (scopes and pattern only; ownership is checked separately). */
export function tokenAllows(auth: AuthContext, scope: TokenScope, packageName?: string): boolean {
  if (auth.scopes.length > 0 && !auth.scopes.includes(scope)) return false;
  if (auth.packagePattern && packageName !== undefined) return globMatch(auth.packagePattern, packageName);
  return true;
}

function globMatch(pattern: string, name: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(name);
}

/**
 * Refresh: a new token with the same name, kind, scopes and pattern, and the
 * presented one revoked, atomically - a refreshed token cannot be replayed.
 */
export function rotateToken(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  secret: string,
  ttlDays: number,
  auth: AuthContext,
): Promise<IssuedToken> {
  return db.transaction(async (tx) => {
    const [old] = await tx
      .update(apiTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiTokens.id, auth.tokenId), isNull(apiTokens.revokedAt)))
      .returning({
        name: apiTokens.name,
        kind: apiTokens.kind,
        scopes: apiTokens.scopes,
        pattern: apiTokens.packagePattern,
      });
    // Lost a race with a concurrent refresh or revoke of the same token.
    if (!old) throw new TokenGoneError();
    return issueToken(tx, secret, {
      userId: auth.userId,
      name: old.name,
      kind: old.kind,
      ttlDays,
      scopes: old.scopes as TokenScope[],
      packagePattern: old.pattern,
    });
  });
}

export class TokenGoneError extends Error {}
