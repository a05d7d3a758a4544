// Two steps, so the rate limiter can key on the user without database work:
//   bearer      - global: verifies a presented token's signature and claims (jose only);
//   requireAuth - per route: confirms the token row is live, sets `auth`.
import { createMiddleware } from 'hono/factory';
import type { AppEnv, AuthContext } from '../env';
import { unauthenticated } from '../errors';
import { verifyToken } from '../lib/tokens';
import { authenticateToken } from '../services/tokens';

export const bearer = createMiddleware<AppEnv>(async (c, next) => {
  c.set('claims', undefined);
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>".');
    const claims = await verifyToken(match[1], c.var.config.JWT_SECRET);
    if (!claims) throw unauthenticated('The token is invalid or expired.');
    c.set('claims', claims);
  }
  await next();
});

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const claims = c.get('claims');
  if (!claims) throw unauthenticated();
  const auth = await authenticateToken(c.var.db.read, claims);
  if (!auth) throw unauthenticated('The token has been revoked or has expired.');
  c.set('auth', auth);
  await next();
});

/** The authenticated caller; only valid behind requireAuth. */
export function currentUser(c: { get(key: 'auth'): AuthContext | undefined }): AuthContext {
  const auth = c.get('auth');
  if (!auth) throw unauthenticated();
  return auth;
}
