// Registration and login. Routes validate shapes; this owns the rules.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { users } from '../db/schema';
import { conflict, unauthenticated } from '../errors';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../lib/password';
import { type IssuedToken, issueToken } from './tokens';

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
}

interface Settings {
  secret: string;
  ttlDays: number;
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
      const token = await issueToken(tx, settings.secret, {
        userId: user.id,
        name: 'registration',
        kind: 'session',
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
    .select({ id: users.id, username: users.username, email: users.email, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(sql`lower(${users.email})`, input.email.toLowerCase()))
    .limit(1);
  // Same reply and comparable time whether or not the email exists.
  if (!user) {
    await burnPasswordCheck(input.password);
    throw unauthenticated('Invalid email or password.');
  }
  if (!(await verifyPassword(input.password, user.passwordHash))) throw unauthenticated('Invalid email or password.');
  const token = await issueToken(db.query, settings.secret, {
    userId: user.id,
    name: 'login',
    kind: 'session',
    ttlDays: settings.ttlDays,
  });
  return { user: { id: user.id, username: user.username, email: user.email }, token };
}
