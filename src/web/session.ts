// Browser sessions: a `web` row in api_tokens, carried in a cookie holding a
// JWT for that row. The row is the truth (revoking it signs the browser out at
// once); the cookie only points at it. Sliding: a session used a day after its
// last extension gets 14 more days, and the cookie a fresh JWT for the same row.
//
// CSRF: every state-changing form carries HMAC(JWT_SECRET, row id), so a token
// is bound to one session and dies with it; and the request's Origin (or, when
// a browser sends none, its Referer) must be this site.

import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppEnv, AuthContext } from '../env';
import { signToken, verifyToken } from '../lib/tokens';
import { authenticateToken } from '../services/tokens';

export const SESSION_TTL_DAYS = 14;
const DAY_MS = 86_400_000;
const COOKIE = 'raven_session';

type AnyContext = Context<AppEnv, any, any>;

const isHttps = (c: AnyContext) => new URL(c.req.url).protocol === 'https:';
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `__Host-` over HTTPS; a plain name on loopback HTTP (local development), which alone may skip Secure. */
function cookieName(c: AnyContext): string {
  return isHttps(c) ? `__Host-${COOKIE}` : COOKIE;
}

export function setSessionCookie(c: AnyContext, token: string): void {
  const url = new URL(c.req.url);
  setCookie(c, cookieName(c), token, {
    httpOnly: true,
    secure: url.protocol === 'https:' || !LOOPBACK.has(url.hostname),
    sameSite: 'Lax',
    path: '/',
    maxAge: SESSION_TTL_DAYS * 86_400,
  });
}

export function clearSessionCookie(c: AnyContext): void {
  const url = new URL(c.req.url);
  deleteCookie(c, cookieName(c), { path: '/', secure: url.protocol === 'https:' || !LOOPBACK.has(url.hostname) });
}

/**
 * Sets `auth` when the request carries a live browser session (kind `web`
 * only: an API token pasted into the cookie is not a session), sliding it
 * when due. Never refuses: pages decide what an anonymous visitor gets.
 */
export const webSession = createMiddleware<AppEnv>(async (c, next) => {
  const token = getCookie(c, cookieName(c));
  if (token) {
    const claims = await verifyToken(token, c.var.config.JWT_SECRET);
    // Read-only mode: no last-used stamp and no sliding, so a signed-in page view writes nothing.
    const writable = !c.var.config.REGISTRY_READ_ONLY;
    const auth = claims ? await authenticateToken(c.var.db.query, claims, { touch: writable }) : null;
    if (auth?.tokenKind === 'web') {
      c.set('auth', auth);
      if (writable && claims && claims.expiresAt.getTime() - Date.now() < (SESSION_TTL_DAYS - 1) * DAY_MS)
        await slide(c, auth);
    } else {
      clearSessionCookie(c);
    }
  }
  await next();
});

async function slide(c: AnyContext, auth: AuthContext): Promise<void> {
  const expiresAt = new Date(Date.now() + SESSION_TTL_DAYS * DAY_MS);
  const result = await c.var.db.query.execute(sql`
    update api_tokens set expires_at = ${expiresAt.toISOString()}::timestamptz
    where id = ${auth.tokenId} and kind = 'web' and revoked_at is null
    returning id`);
  if (result.rows.length === 0) return;
  setSessionCookie(
    c,
    await signToken({ userId: auth.userId, tokenId: auth.tokenId, expiresAt }, c.var.config.JWT_SECRET),
  );
}

const keys = new Map<string, Promise<CryptoKey>>();
function csrfKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    keys.set(secret, key);
  }
  return key;
}

/** The form token of a session: bound to its row, so it dies when the session does. */
export async function csrfToken(c: AnyContext, sessionId: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await csrfKey(c.var.config.JWT_SECRET),
    new TextEncoder().encode(`raven-csrf:v1:${sessionId}`),
  );
  let binary = '';
  for (const byte of new Uint8Array(mac)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export async function csrfMatches(c: AnyContext, sessionId: string, submitted: unknown): Promise<boolean> {
  if (typeof submitted !== 'string' || submitted.length === 0 || submitted.length > 100) return false;
  const expected = new TextEncoder().encode(await csrfToken(c, sessionId));
  const given = new TextEncoder().encode(submitted);
  return expected.length === given.length && crypto.subtle.timingSafeEqual(expected, given);
}

/** Origin, or Referer when the browser sent no Origin, must be this site; neither is a refusal. */
export function sameOrigin(c: AnyContext): boolean {
  const own = new URL(c.req.url).origin;
  const origin = c.req.header('origin');
  if (origin !== undefined) return origin === own;
  const referer = c.req.header('referer');
  if (!referer) return false;
  try {
    return new URL(referer).origin === own;
  } catch {
    return false;
  }
}

/** Only a path on this site is a return target: `/x`, never `//evil`, `/\\evil` or a full URL. */
export function safeReturnPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 512) return '/account';
  if (!/^\/(?![/\\])[^\s\\]*$/.test(raw)) return '/account';
  // Never back to the sign-in forms themselves.
  if (/^\/(login|register|logout)(\/|\?|$)/.test(raw)) return '/account';
  return raw;
}
