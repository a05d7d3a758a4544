import type { AuthContext } from '../env';
import { forbidden, notFound } from '../errors';
import { authed, currentUser } from '../middleware/auth';
import { noteRevoked } from '../middleware/rate-limit';
import { createRouter } from '../router';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import * as schema from '../schemas/users';
import { findProfile, type ProfileRow } from '../services/profiles';
import { createApiToken, isSessionKind, revokeToken } from '../services/tokens';
import { routesTagged } from './define';

const users = routesTagged('users');
const me = routesTagged('users', authed);

const publicView = (row: ProfileRow) => ({
  username: row.username,
  user_id: row.id,
  joined_at: row.created_at,
  packages: row.packages,
  total_downloads: row.packages.reduce((sum, p) => sum + p.downloads, 0),
});

// `/me` routes are registered before `/:username`, and `me` is a reserved username.
const meRoute = me.get('/me', {
  summary: 'Your profile, email and live tokens (with an API token: only that token)',
  responses: { 200: jsonResponse('Your profile', schema.OwnProfile), ...errorResponses(401) },
});

const createTokenRoute = me.post('/me/tokens', {
  summary: 'Create a named API token (shown once); session token only, never wider than its creator',
  request: { body: jsonBody(schema.CreateTokenBody) },
  responses: { 201: jsonResponse('The new token', schema.CreatedToken), ...errorResponses(400, 401, 403) },
});

const revokeTokenRoute = me.delete('/me/tokens/{token_id}', {
  summary: 'Revoke one of your tokens; it stops working at once (session token only)',
  request: { params: schema.TokenIdParam },
  responses: { 200: jsonResponse('Revoked', schema.RevokedToken), ...errorResponses(401, 403, 404) },
});

const profileRoute = users.get('/{username}', {
  summary: "A user's public profile",
  request: { params: schema.UsernameParam },
  responses: { 200: jsonResponse('Profile', schema.PublicProfile), ...errorResponses(404) },
});

/** Token management is for sessions: an API token (often a CI secret) must not mint or revoke tokens. */
function requireSession(auth: AuthContext, what: string): void {
  if (!isSessionKind(auth.tokenKind))
    throw forbidden(`${what} needs a session token (from login or register); API tokens cannot manage tokens.`);
}

export const userRoutes = createRouter()
  .openapi(meRoute, async (c) => {
    const auth = currentUser(c);
    const row = await findProfile(c.var.db.query, { userId: auth.userId }, true);
    if (!row) throw notFound('Your account no longer exists.');
    return c.json(
      {
        ...publicView(row),
        email: row.email,
        // An API token sees only itself: it cannot manage the others, and the
        // list (names, patterns, last use) would tell whoever holds a leaked
        // CI token where the owner's other credentials are used.
        tokens: row.tokens
          .filter((t) => isSessionKind(auth.tokenKind) || t.id === auth.tokenId)
          .map((t) => ({
            token_id: t.id,
            name: t.name,
            kind: t.kind,
            scopes: t.scopes,
            package_pattern: t.package_pattern ?? '',
            created_at: t.created_at,
            last_used: t.last_used ?? '',
            expires_at: t.expires_at,
          })),
      },
      200,
    );
  })
  .openapi(createTokenRoute, async (c) => {
    const auth = currentUser(c);
    requireSession(auth, 'Creating a token');
    const body = c.req.valid('json');
    const { config, db } = c.var;
    const token = await createApiToken(
      db.query,
      { secret: config.JWT_SECRET, defaultTtlDays: config.TOKEN_TTL_DAYS },
      auth,
      {
        name: body.name,
        expiresInDays: body.expires_in_days,
        scopes: body.scopes,
        packagePattern: body.package_pattern,
      },
    );
    if (!token)
      throw forbidden("A new token's scopes and package pattern cannot exceed those of the token creating it.");
    return c.json(
      {
        token: token.token,
        token_id: token.tokenId,
        name: token.name,
        created_at: token.createdAt.toISOString(),
        expires_at: token.expiresAt.toISOString(),
        scopes: token.scopes,
        package_pattern: token.packagePattern ?? '',
      },
      201,
    );
  })
  .openapi(revokeTokenRoute, async (c) => {
    const auth = currentUser(c);
    requireSession(auth, 'Revoking a token');
    const { token_id } = c.req.valid('param');
    const revoked = await revokeToken(c.var.db.query, auth.userId, token_id);
    if (!revoked) throw notFound('No such live token of yours.');
    await noteRevoked(c, auth.userId, revoked);
    return c.json({ token_id, revoked: true as const }, 200);
  })
  .openapi(profileRoute, async (c) => {
    const { username } = c.req.valid('param');
    const row = await findProfile(c.var.db.query, { username }, false);
    if (!row) throw notFound(`No user named "${username}".`);
    return c.json(publicView(row), 200);
  });
