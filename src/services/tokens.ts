// Token rows: issue, authenticate (one statement), list, revoke, rotate.
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { apiTokens } from '../db/schema';
import type { AuthContext, TokenKind } from '../env';
import { isSessionKind, narrowGrant, type TokenScope } from '../lib/token-rules';
import { signToken } from '../lib/tokens';
import type { Provenance } from '../lib/trusted-claims';

// The pure rules live in lib/token-rules; routes keep importing them from here.
export { isSessionKind, type TokenScope, tokenAllows } from '../lib/token-rules';

export interface IssueTokenInput {
  userId: string;
  name: string;
  kind: TokenKind;
  /** Lifetime from now; ignored when `expiresAt` is given. */
  ttlDays: number;
  /** An absolute expiry (refresh of an API token keeps its original one). */
  expiresAt?: Date;
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
  const expiresAt = input.expiresAt ?? new Date(Date.now() + input.ttlDays * DAY_MS);
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
 * exists and is not suspended) and records its use, in one statement. `last_used` is written at most
 * once a minute per token so authenticated traffic does not become write traffic;
 * never with `touch: false` (read-only mode: the database may refuse every write).
 */
export async function authenticateToken(
  db: Queryable,
  claims: { userId: string; tokenId: string },
  { touch = true }: { touch?: boolean } = {},
): Promise<AuthContext | null> {
  if (!UUID.test(claims.tokenId) || !UUID.test(claims.userId)) return null;
  const result = await db.execute<{
    id: string;
    user_id: string;
    username: string;
    kind: TokenKind;
    scopes: string[];
    package_pattern: string | null;
    package_ids: string[] | null;
    provenance: Provenance | null;
  }>(sql`
    with live as (
      select t.id, t.user_id, u.username, t.kind, t.scopes, t.package_pattern, tt.package_ids, tt.provenance
      from api_tokens t join users u on u.id = t.user_id
      left join trusted_tokens tt on tt.token_id = t.id
      where t.id = ${claims.tokenId} and t.user_id = ${claims.userId}
        and t.revoked_at is null and t.expires_at > now() and u.suspended_at is null
    ), touched as (
      update api_tokens set last_used = now()
      where ${touch} and id = (select id from live) and (last_used is null or last_used < now() - interval '1 minute')
      returning id
    )
    select id, user_id, username, kind, scopes, package_pattern, package_ids, provenance from live`);
  const row = result.rows[0];
  if (!row) return null;
  return {
    userId: row.user_id,
    username: row.username,
    tokenId: row.id,
    tokenKind: row.kind,
    scopes: row.scopes,
    packagePattern: row.package_pattern,
    trusted:
      row.kind === 'trusted' && row.package_ids && row.provenance
        ? { packageIds: row.package_ids, provenance: row.provenance }
        : null,
  };
}

/** Revokes one of the user's tokens; null when it is not theirs or already revoked. */
export async function revokeToken(
  db: Queryable,
  userId: string,
  tokenId: string,
): Promise<{ tokenId: string; expiresAt: Date } | null> {
  if (!UUID.test(tokenId)) return null;
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ tokenId: apiTokens.id, expiresAt: apiTokens.expiresAt });
  return row ?? null;
}

/**
 * Refresh: a new token with the same name, kind, scopes and pattern, and the
 * presented one revoked, atomically - a refreshed token cannot be replayed.
 *
 * Lifetime: a session slides (a fresh `ttlDays` from now), because a signed-in
 * person keeps using it and login is the costly path. An API token keeps its
 * original absolute expiry: otherwise a leaked CI token could be refreshed
 * forever and outlive the expiry its owner chose when creating it.
 */
export function rotateToken(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  secret: string,
  ttlDays: number,
  auth: AuthContext,
): Promise<IssuedToken & { replaced: { tokenId: string; expiresAt: Date } }> {
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
        expiresAt: apiTokens.expiresAt,
      });
    // Lost a race with a concurrent refresh or revoke of the same token.
    if (!old) throw new TokenGoneError();
    const issued = await issueToken(tx, secret, {
      userId: auth.userId,
      name: old.name,
      kind: old.kind,
      ttlDays,
      expiresAt: isSessionKind(old.kind) ? undefined : old.expiresAt,
      scopes: old.scopes as TokenScope[],
      packagePattern: old.pattern,
    });
    return { ...issued, replaced: { tokenId: auth.tokenId, expiresAt: old.expiresAt } };
  });
}

export class TokenGoneError extends Error {}

/**
 * An API token made by `auth` (which must be a session: checked by the
 * callers, which word the refusal for their medium), never wider than it.
 * Both POST /users/me/tokens and the website's token form call this.
 */
export async function createApiToken(
  db: Queryable,
  settings: { secret: string; defaultTtlDays: number },
  auth: AuthContext,
  input: { name: string; expiresInDays?: number; scopes?: TokenScope[]; packagePattern?: string },
) {
  const grant = narrowGrant(auth, { scopes: input.scopes, packagePattern: input.packagePattern });
  if (!grant) return null;
  const token = await issueToken(db, settings.secret, {
    userId: auth.userId,
    name: input.name,
    kind: 'api',
    ttlDays: input.expiresInDays ?? settings.defaultTtlDays,
    scopes: grant.scopes as TokenScope[],
    packagePattern: grant.packagePattern,
  });
  return { ...token, scopes: grant.scopes, packagePattern: grant.packagePattern };
}

/** Signs out every session of the user (API logins and browsers) except `keepTokenId`. */
export async function revokeOtherSessions(db: Queryable, userId: string, keepTokenId: string): Promise<number> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(apiTokens.userId, userId),
        isNull(apiTokens.revokedAt),
        inArray(apiTokens.kind, ['session', 'web']),
        ne(apiTokens.id, keepTokenId),
      ),
    )
    .returning({ id: apiTokens.id });
  return rows.length;
}
