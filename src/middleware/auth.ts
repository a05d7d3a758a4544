// Two steps, so the rate limiter can key on the user without database work:
//   bearer         - global: verifies a presented token's signature and claims (jose only);
//   refuseBadToken - global, after the rate limiter: a token that failed verification is a 401,
//                    but only once the request has counted against its client's anonymous
//                    bucket (refusing it earlier let bad tokens bypass the per-IP limit);
//   requireAuth    - per route: confirms the token row is live, sets `auth`, and refuses
//                    trusted-publishing tokens (requireAuthOrTrusted admits them: publish and
//                    their own revocation are all a CI job's token may do). A dead token
//                    the rate limiter did not know about (revoked by a path that did not
//                    tell it, or the telling failed) is reported to it, so later requests
//                    with it are charged to their IP rather than to the owner.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv, AuthContext } from '../env';
import { type ApiError, forbidden, unauthenticated } from '../errors';
import { verifyToken } from '../lib/tokens';
import { isOperator } from '../services/operators';
import { authenticateToken, isSessionKind } from '../services/tokens';
import { limiterSawRevoked, noteRevoked } from './rate-limit';

export const bearer = createMiddleware<AppEnv>(async (c, next) => {
  c.set('claims', undefined);
  c.set('tokenError', await verifyBearer(c));
  await next();
});

async function verifyBearer(c: Context<AppEnv>): Promise<ApiError | undefined> {
  const header = c.req.header('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return unauthenticated('The Authorization header must be "Bearer <token>".');
  const claims = await verifyToken(match[1], c.var.config.JWT_SECRET);
  if (!claims) return unauthenticated('The token is invalid or expired.');
  c.set('claims', claims);
  return undefined;
}

export const refuseBadToken = createMiddleware<AppEnv>(async (c, next) => {
  const error = c.get('tokenError');
  if (error) throw error;
  await next();
});

async function authenticate(c: Context<AppEnv>, allowTrusted: boolean): Promise<void> {
  const claims = c.get('claims');
  if (!claims) throw unauthenticated();
  // Read-only mode: a signed-in read must not write (the maintenance may have made the database refuse writes).
  const auth = await authenticateToken(c.var.db.query, claims, { touch: !c.var.config.REGISTRY_READ_ONLY });
  if (!auth) {
    if (!limiterSawRevoked(c)) await noteRevoked(c, claims.userId, claims);
    throw unauthenticated('The token has been revoked or has expired.');
  }
  // A CI job's trusted-publishing token acts in an owner's name, but only to
  // publish: it must not read the owner's profile, tokens or anything else.
  if (auth.tokenKind === 'trusted' && !allowTrusted) {
    throw forbidden('A trusted-publishing token can only publish its packages (and revoke itself).');
  }
  c.set('auth', auth);
}

/** Any live token except a trusted-publishing one. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  await authenticate(c, false);
  await next();
});

/** Any live token, trusted-publishing ones included: publish and the trusted token's own revocation. */
export const requireAuthOrTrusted = createMiddleware<AppEnv>(async (c, next) => {
  await authenticate(c, true);
  await next();
});

/**
 * Spread into a createRoute: the route needs a live bearer token, enforced by
 * requireAuth and declared to the OpenAPI document in the same place.
 */
export const authed = { security: [{ bearer: [] as string[] }], middleware: [requireAuth] as [typeof requireAuth] };

/** Like `authed`, but trusted-publishing (CI) tokens get through too: publish, and revoking the token itself. */
export const authedOrTrusted = {
  security: [{ bearer: [] as string[] }],
  middleware: [requireAuthOrTrusted] as [typeof requireAuthOrTrusted],
};

/**
 * After requireAuth: the caller is a registry operator (ADMIN_USERNAMES, read
 * from the binding on every request) holding a session. An API token of an
 * operator is refused: a leaked CI token must not be able to take packages down.
 */
export const requireOperator = createMiddleware<AppEnv>(async (c, next) => {
  const auth = currentUser(c);
  if (!isOperator(c.env.ADMIN_USERNAMES, auth.username)) {
    throw forbidden('Only registry operators can do this.');
  }
  if (!isSessionKind(auth.tokenKind)) {
    throw forbidden('Operator actions need a session token (from login), not an API token.');
  }
  await next();
});

/** Spread into a createRoute: a live session token of an operator. */
export const operatorOnly = {
  security: [{ bearer: [] as string[] }],
  middleware: [requireAuth, requireOperator] as [typeof requireAuth, typeof requireOperator],
};

/** The authenticated caller; only valid behind requireAuth. */
export function currentUser(c: { get(key: 'auth'): AuthContext | undefined }): AuthContext {
  const auth = c.get('auth');
  if (!auth) throw unauthenticated();
  return auth;
}
