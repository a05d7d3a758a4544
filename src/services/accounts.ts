// Registration and login. Routes validate shapes; this owns the rules.
import { and, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { apiTokens, users } from '../db/schema';
import { conflict, forbidden, invalid, unauthenticated } from '../errors';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../lib/password';
import { applyCounterDeltas } from './counters';
import { type IssuedToken, issueToken } from './tokens';

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
}

interface Settings {
  secret: string;
  ttlDays: number;
  /** `web` for a browser sign-in (the cookie's row); `session` for the API. */
  kind?: 'session' | 'web';
}

export async function register(db: Database, settings: Settings, input: RegisterInput) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ username: input.username, email: input.email, passwordHash })
        .returning({ id: users.id, username: users.username, email: users.email, createdAt: users.createdAt });
      if (!user) throw new Error('user insert returned nothing');
      await applyCounterDeltas(tx, { users: 1 });
      const token = await issueToken(tx, settings.secret, {
        userId: user.id,
        name: settings.kind === 'web' ? 'browser' : 'registration',
        kind: settings.kind ?? 'session',
        ttlDays: settings.ttlDays,
      });
      return { user, token };
    });
  } catch (err) {
    // The unique indexes decide races between concurrent registrations.
    if (isUniqueViolation(err, 'users_username_key')) throw conflict('That username is taken.', { field: 'username' });
    if (isUniqueViolation(err, 'users_email_lower_key'))
      throw conflict('That email is already registered.', { field: 'email' });
    throw err;
  }
}

export async function login(
  db: Database,
  settings: Settings,
  input: { email: string; password: string },
): Promise<{ user: { id: string; username: string; email: string }; token: IssuedToken }> {
  const [user] = await db.query
    .select({
      id: users.id,
      username: users.username,
      email: users.email,
      passwordHash: users.passwordHash,
      suspendedAt: users.suspendedAt,
      suspensionReason: users.suspensionReason,
    })
    .from(users)
    .where(eq(sql`lower(${users.email})`, input.email.toLowerCase()))
    .limit(1);
  // Same reply and comparable time whether or not the email exists.
  if (!user) {
    await burnPasswordCheck(input.password);
    throw unauthenticated('Invalid email or password.');
  }
  if (!(await verifyPassword(input.password, user.passwordHash))) throw unauthenticated('Invalid email or password.');
  // Only after the password checks out: a stranger learns nothing about the account.
  if (user.suspendedAt !== null) {
    throw forbidden(`This account is suspended by the registry operators: ${user.suspensionReason ?? ''}`);
  }
  const token = await issueToken(db.query, settings.secret, {
    userId: user.id,
    name: settings.kind === 'web' ? 'browser' : 'login',
    kind: settings.kind ?? 'session',
    ttlDays: settings.ttlDays,
  });
  return { user: { id: user.id, username: user.username, email: user.email }, token };
}

/**
 * Changes the password once the current one checks out, and signs out every
 * other session (API and browser) in the same transaction: whoever knew the old
 * password may hold one. API tokens stay valid (CI keeps working); the reply
 * says how many, so the person can revoke them too if they were exposed.
 */
export async function changePassword(
  db: Database,
  actor: { userId: string; tokenId: string },
  input: { current: string; next: string },
): Promise<{ signedOut: number; apiTokensValid: number }> {
  const [user] = await db.query
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, actor.userId));
  if (!user || !(await verifyPassword(input.current, user.passwordHash)))
    throw invalid('That is not your current password.', { current_password: 'That is not your current password.' });
  const passwordHash = await hashPassword(input.next);
  return db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, actor.userId));
    const live = and(
      eq(apiTokens.userId, actor.userId),
      isNull(apiTokens.revokedAt),
      gt(apiTokens.expiresAt, sql`now()`),
    );
    const signedOut = await tx
      .update(apiTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(live, inArray(apiTokens.kind, ['session', 'web']), ne(apiTokens.id, actor.tokenId)))
      .returning({ id: apiTokens.id });
    const [valid] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(apiTokens)
      .where(and(live, eq(apiTokens.kind, 'api')));
    return { signedOut: signedOut.length, apiTokensValid: valid?.n ?? 0 };
  });
}
