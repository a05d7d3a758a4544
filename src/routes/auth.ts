import { ApiError, unauthenticated } from '../errors';
import { authed, currentUser } from '../middleware/auth';
import { limitLogin, noteRevoked } from '../middleware/rate-limit';
import { limited } from '../middleware/route-limits';
import { createRouter } from '../router';
import { LoginBody, LoginReply, RefreshReply, RegisterBody, RegisterReply } from '../schemas/auth';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import { login, register } from '../services/accounts';
import { rotateToken, TokenGoneError } from '../services/tokens';
import { routesTagged } from './define';

const auth = routesTagged('auth');

const registerRoute = auth.post('/register', {
  summary: 'Create an account and get a token',
  request: { body: jsonBody(RegisterBody) },
  responses: { 201: jsonResponse('Account created', RegisterReply), ...errorResponses(400, 409, 429) },
});

const loginRoute = auth.post('/login', {
  summary: 'Exchange email and password for a session token',
  // Limited in the handler, per IP and per failed email: the email is in the body.
  ...limited({ rate: 'none' }),
  request: { body: jsonBody(LoginBody) },
  responses: { 200: jsonResponse('Logged in', LoginReply), ...errorResponses(400, 401, 429, 503) },
});

const refreshRoute = auth.post('/refresh', {
  summary:
    'Swap the presented token for a fresh one (the old one is revoked); same kind, scopes and pattern; an API token keeps its expiry',
  ...authed,
  responses: { 200: jsonResponse('New token', RefreshReply), ...errorResponses(401) },
});

export const authRoutes = createRouter()
  .openapi(registerRoute, async (c) => {
    const { config, db } = c.var;
    const { user, token } = await register(
      db,
      { secret: config.JWT_SECRET, ttlDays: config.TOKEN_TTL_DAYS },
      c.req.valid('json'),
    );
    return c.json(
      {
        user_id: user.id,
        username: user.username,
        email: user.email,
        created_at: user.createdAt.toISOString(),
        token: token.token,
        expires_at: token.expiresAt.toISOString(),
      },
      201,
    );
  })
  .openapi(loginRoute, async (c) => {
    const { config, db } = c.var;
    const input = c.req.valid('json');
    const attempt = await limitLogin(c, input.email);
    const { user, token } = await login(db, { secret: config.JWT_SECRET, ttlDays: config.TOKEN_TTL_DAYS }, input).catch(
      async (err: unknown) => {
        if (err instanceof ApiError && err.code === 'authentication_required') await attempt.failed();
        throw err;
      },
    );
    return c.json(
      {
        token: token.token,
        expires_at: token.expiresAt.toISOString(),
        user: { user_id: user.id, username: user.username, email: user.email },
      },
      200,
    );
  })
  .openapi(refreshRoute, async (c) => {
    const { config, db } = c.var;
    try {
      const auth = currentUser(c);
      const token = await rotateToken(db, config.JWT_SECRET, config.TOKEN_TTL_DAYS, auth);
      await noteRevoked(c, auth.userId, token.replaced);
      return c.json({ token: token.token, expires_at: token.expiresAt.toISOString() }, 200);
    } catch (err) {
      if (err instanceof TokenGoneError) throw unauthenticated('The token has been revoked.');
      throw err;
    }
  });
