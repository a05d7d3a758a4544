// What every account route checks before its handler: who is signed in
// (GET pages send visitors to sign in), and for every POST that the form came
// from this site and carries this session's CSRF token. A refused POST gets
// the site's 403 page and reaches no service. Both form guards cap the body
// (64 KiB, the API's small-body cap) before anything reads it.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { validator } from 'hono/validator';
import type { z } from 'zod';
import type { AppEnv, AuthContext } from '../env';
import { notFound, unauthenticated } from '../errors';
import { capSmallBody } from '../middleware/body-limit';
import type { Errors } from './forms';
import type { Viewer } from './layout';
import { ForbiddenPage } from './pages/errors';
import { sendPage } from './respond';
import { csrfMatches, csrfToken, sameOrigin } from './session';

type AnyContext = Context<AppEnv, any, any>;

export const refuse = (c: AnyContext, message?: string, status: ContentfulStatusCode = 403) =>
  sendPage(c, <ForbiddenPage message={message} />, 'no-store', status);

/** GET pages of a signed-in person: anyone else is sent to sign in and brought back. */
export const signedIn = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.var.auth) {
    const url = new URL(c.req.url);
    return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
  }
  await next();
});

/** Sign-in and sign-up forms: no session yet, so the Origin check is what stops another site posting them. */
export const sameSiteForm = createMiddleware<AppEnv>(async (c, next) =>
  capSmallBody(c, async () => {
    if (!sameOrigin(c)) {
      c.res = await refuse(c);
      return;
    }
    await next();
  }),
);

/** Every other state-changing form: this site, a live session, and that session's CSRF token. */
export const sessionForm = createMiddleware<AppEnv>(async (c, next) =>
  capSmallBody(c, async () => {
    const auth = c.var.auth;
    if (sameOrigin(c) && auth && (await csrfMatches(c, auth.tokenId, (await c.req.parseBody({ all: true })).csrf))) {
      await next();
      return;
    }
    c.res = await refuse(c);
  }),
);

export function me(c: AnyContext): AuthContext {
  const auth = c.var.auth;
  if (!auth) throw unauthenticated();
  return auth;
}

export async function viewerOf(c: AnyContext): Promise<Viewer> {
  const auth = me(c);
  return { username: auth.username, csrf: await csrfToken(c, auth.tokenId) };
}

/** The submitted form as strings; a repeated field (checkboxes) as a list. */
export async function formOf(c: AnyContext): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === 'string');
    else if (typeof value === 'string') out[key] = value;
  }
  return out;
}

export const text = (form: Record<string, string | string[]>, key: string): string => {
  const v = form[key];
  return typeof v === 'string' ? v : (v?.[0] ?? '');
};

/**
 * zod's built-in wording ("Too small: expected string to have >=1 characters")
 * is for developers; a person gets the field's plain sentence instead. Messages
 * the schemas wrote themselves (regex, refinements) are kept.
 */
export function friendly(fields: Errors, plain: Record<string, string>): Errors {
  const out: Errors = {};
  for (const [field, message] of Object.entries(fields)) {
    const builtIn = /^(Too (small|big)|Invalid|Expected|Required)/i.test(message);
    out[field] = builtIn && plain[field] ? plain[field] : message;
  }
  return out;
}

/** Fixed notices for `?done=` after a redirect: codes only, never user text, in the URL. */
export function noticeOf(c: AnyContext, notices: Record<string, string>): string | undefined {
  const done = c.req.query('done');
  return done && Object.hasOwn(notices, done) ? notices[done] : undefined;
}

/**
 * Path parameters read with the API's own schemas (src/schemas: lowercased
 * there, once). A page answers a parameter no schema accepts with its 404
 * page, never a 400: to a visitor it is an address with nothing behind it.
 */
export const pageParams = <T extends z.ZodType<Record<string, string>>>(schema: T, what: string) =>
  validator('param', (value): z.output<T> => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw notFound(`No ${what} at this address.`);
    return parsed.data;
  });
