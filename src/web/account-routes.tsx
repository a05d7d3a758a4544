// The account half of the website: sign up / in / out, your account, tokens,
// sessions, password and invitations. Every action calls the service function
// its API route calls; guards.tsx checks sessions, Origin and CSRF first.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { log } from '../lib/log';
import { TOKEN_SCOPES } from '../lib/token-rules';
import { limitLogin, noteRevoked, rateLimit } from '../middleware/rate-limit';
import { LoginBody, Password, RegisterBody } from '../schemas/auth';
import { InvitationIdParam } from '../schemas/owners';
import { CreateTokenBody } from '../schemas/users';
import { changePassword, login, register } from '../services/accounts';
import { acceptInvitation, declineInvitation, listMyInvitations } from '../services/invitations';
import { findProfile } from '../services/profiles';
import { createApiToken, revokeOtherSessions, revokeToken, tokenAllows } from '../services/tokens';
import { serviceErrors, zodErrors } from './forms';
import {
  formOf,
  friendly,
  me,
  noticeOf,
  pageParams,
  refuse,
  sameSiteForm,
  sessionForm,
  signedIn,
  text,
  viewerOf,
} from './guards';
import { AccountPage, InvitationsPage, PasswordPage, SessionsPage } from './pages/account/account';
import { RegisterPage, SignInPage } from './pages/account/sign-in';
import { TokenCreatedPage, TokensPage } from './pages/account/tokens';
import { ErrorPage, NotFoundPage } from './pages/errors';
import { sendPage } from './respond';
import { clearSessionCookie, SESSION_TTL_DAYS, safeReturnPath, setSessionCookie, webSession } from './session';

export const accountRoutes = new Hono<AppEnv>();

// Only these paths look at the cookie: the API and the public pages never pay for it.
const SESSION_PATHS = ['/login', '/register', '/logout', '/account', '/account/*'];
for (const path of SESSION_PATHS) accountRoutes.use(path, webSession);

/** Failures of account and settings pages: the site's 404, 403 and 500 pages, never JSON. */
export function pageError(err: Error, c: Context<AppEnv>) {
  if (err instanceof ApiError && err.status === 404)
    return sendPage(c, <NotFoundPage message={err.message} />, 'no-store', 404);
  // Any other refusal from a service (409, 429, 503...) in words, with its status and headers (Retry-After).
  if (err instanceof ApiError && (err.status < 500 || err.status === 503)) {
    for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
    return refuse(c, err.message, err.status);
  }
  const requestId = c.get('requestId') ?? 'unknown';
  log.error('page failed', err, { request_id: requestId });
  return sendPage(c, <ErrorPage requestId={requestId} />, 'no-store', 500);
}
accountRoutes.onError(pageError);

const settings = (c: { var: AppEnv['Variables'] }) => ({
  secret: c.var.config.JWT_SECRET,
  ttlDays: SESSION_TTL_DAYS,
  kind: 'web' as const,
});

// ---- Sign in, sign up, sign out

accountRoutes.get('/login', (c) => {
  const next = safeReturnPath(c.req.query('next'));
  if (c.var.auth) return c.redirect(next, 303);
  return sendPage(c, <SignInPage next={next} />, 'no-store');
});

accountRoutes.post('/login', sameSiteForm, async (c) => {
  const form = await formOf(c);
  const next = safeReturnPath(text(form, 'next'));
  const parsed = LoginBody.safeParse({ email: text(form, 'email'), password: text(form, 'password') });
  if (!parsed.success) {
    const errors = friendly(zodErrors(parsed.error), {
      email: 'Enter your email address.',
      password: 'Enter your password.',
    });
    return sendPage(c, <SignInPage next={next} email={text(form, 'email')} errors={errors} />, 'no-store', 400);
  }
  try {
    // The API's limits, Argon2id check and uniform failure message.
    const attempt = await limitLogin(c, parsed.data.email);
    const { token } = await login(c.var.db, settings(c), parsed.data).catch(async (err: unknown) => {
      if (err instanceof ApiError && err.code === 'authentication_required') await attempt.failed();
      throw err;
    });
    setSessionCookie(c, token.token);
    return c.redirect(next, 303);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 500) throw err;
    return sendPage(
      c,
      <SignInPage next={next} email={parsed.data.email} error={err.message} />,
      'no-store',
      err.status,
    );
  }
});

accountRoutes.get('/register', (c) => {
  const next = safeReturnPath(c.req.query('next'));
  if (c.var.auth) return c.redirect(next, 303);
  return sendPage(c, <RegisterPage next={next} />, 'no-store');
});

// Sign-up costs an Argon2id hash and a row: the API's per-IP limit for anonymous requests applies.
accountRoutes.post('/register', sameSiteForm, rateLimit, async (c) => {
  const form = await formOf(c);
  const next = safeReturnPath(text(form, 'next'));
  const values = { username: text(form, 'username'), email: text(form, 'email') };
  const parsed = RegisterBody.safeParse({ ...values, password: text(form, 'password') });
  if (!parsed.success) {
    const errors = friendly(zodErrors(parsed.error), {
      username: 'Choose a username of 1 to 32 lowercase letters, digits or hyphens.',
      email: 'Enter a valid email address.',
      password: 'Choose a password of 8 to 256 characters.',
    });
    return sendPage(c, <RegisterPage next={next} values={values} errors={errors} />, 'no-store', 400);
  }
  try {
    const { token } = await register(c.var.db, settings(c), parsed.data);
    setSessionCookie(c, token.token);
    return c.redirect(next, 303);
  } catch (err) {
    const { form: error, fields } = serviceErrors(err);
    return sendPage(c, <RegisterPage next={next} values={values} errors={fields} error={error} />, 'no-store', 409);
  }
});

accountRoutes.post('/logout', sessionForm, async (c) => {
  const auth = me(c);
  const revoked = await revokeToken(c.var.db.query, auth.userId, auth.tokenId);
  if (revoked) await noteRevoked(c, auth.userId, revoked);
  clearSessionCookie(c);
  return c.redirect('/', 303);
});

// ---- Account pages (GET needs a session; POST also the Origin and CSRF checks)

accountRoutes.get('/account', signedIn, async (c) => {
  const user = await findProfile(c.var.db.query, { userId: me(c).userId }, false);
  if (!user) return c.redirect('/login', 303);
  return sendPage(c, <AccountPage viewer={await viewerOf(c)} user={user} />, 'no-store');
});

async function tokensOf(c: Parameters<typeof me>[0], kinds: string[]) {
  const user = await findProfile(c.var.db.query, { userId: me(c).userId }, true);
  return (user?.tokens ?? []).filter((t) => kinds.includes(t.kind));
}

const TOKEN_NOTICES = { revoked: 'The token was revoked. It stops working at once.' };

accountRoutes.get('/account/tokens', signedIn, async (c) => {
  const tokens = await tokensOf(c, ['api']);
  const notice = noticeOf(c, TOKEN_NOTICES);
  return sendPage(c, <TokensPage viewer={await viewerOf(c)} tokens={tokens} notice={notice} />, 'no-store');
});

accountRoutes.post('/account/tokens', sessionForm, async (c) => {
  const auth = me(c);
  const form = await formOf(c);
  const scopes = form.scopes === undefined ? [] : ([] as string[]).concat(form.scopes);
  const values = {
    name: text(form, 'name'),
    scopes,
    package_pattern: text(form, 'package_pattern').trim(),
    expires_in_days: text(form, 'expires_in_days').trim(),
  };
  const days = values.expires_in_days === '' ? undefined : Number(values.expires_in_days);
  const parsed = CreateTokenBody.safeParse({
    name: values.name,
    scopes,
    package_pattern: values.package_pattern || undefined,
    expires_in_days: days,
  });
  const viewer = await viewerOf(c);
  const again = async (errors: Record<string, string>, error?: string, status: 400 | 403 = 400) =>
    sendPage(
      c,
      <TokensPage viewer={viewer} tokens={await tokensOf(c, ['api'])} values={values} errors={errors} error={error} />,
      'no-store',
      status,
    );
  if (!parsed.success) {
    return again(
      friendly(zodErrors(parsed.error), {
        name: 'Give the token a name of up to 64 characters.',
        expires_in_days: 'Choose a whole number of days from 1 to 365.',
        scopes: `Scopes are ${TOKEN_SCOPES.join(', ')}.`,
        package_pattern: 'A package pattern uses lowercase letters, digits, "-" and "*".',
      }),
    );
  }
  const created = await createApiToken(
    c.var.db.query,
    { secret: c.var.config.JWT_SECRET, defaultTtlDays: c.var.config.TOKEN_TTL_DAYS },
    auth,
    {
      name: parsed.data.name,
      expiresInDays: parsed.data.expires_in_days,
      scopes: parsed.data.scopes,
      packagePattern: parsed.data.package_pattern,
    },
  );
  if (!created) return again({}, 'A token cannot do more than the session creating it.', 403);
  return sendPage(
    c,
    <TokenCreatedPage
      viewer={viewer}
      token={created.token}
      name={created.name}
      scopes={created.scopes}
      packagePattern={created.packagePattern ?? ''}
      expiresAt={created.expiresAt.toISOString()}
    />,
    'no-store',
    201,
  );
});

accountRoutes.post('/account/tokens/:id/revoke', sessionForm, async (c) => {
  const auth = me(c);
  const revoked = await revokeToken(c.var.db.query, auth.userId, c.req.param('id'));
  if (revoked) await noteRevoked(c, auth.userId, revoked);
  if (c.req.param('id') === auth.tokenId) {
    clearSessionCookie(c);
    return c.redirect('/', 303);
  }
  const back = text(await formOf(c), 'back') === 'sessions' ? '/account/sessions' : '/account/tokens';
  return c.redirect(`${back}?done=${revoked ? 'revoked' : 'gone'}`, 303);
});

const SESSION_NOTICES = {
  revoked: 'That session was signed out.',
  others: 'Every other session was signed out.',
  gone: 'That session had already ended.',
};

accountRoutes.get('/account/sessions', signedIn, async (c) => {
  const sessions = await tokensOf(c, ['web', 'session']);
  const notice = noticeOf(c, SESSION_NOTICES);
  return sendPage(
    c,
    <SessionsPage viewer={await viewerOf(c)} sessions={sessions} current={me(c).tokenId} notice={notice} />,
    'no-store',
  );
});

accountRoutes.post('/account/sessions/sign-out-others', sessionForm, async (c) => {
  const auth = me(c);
  await revokeOtherSessions(c.var.db.query, auth.userId, auth.tokenId);
  return c.redirect('/account/sessions?done=others', 303);
});

accountRoutes.get('/account/password', signedIn, async (c) =>
  sendPage(c, <PasswordPage viewer={await viewerOf(c)} />, 'no-store'),
);

const PasswordForm = z.object({ current_password: z.string().min(1).max(256), new_password: Password });

accountRoutes.post('/account/password', sessionForm, async (c) => {
  const form = await formOf(c);
  const viewer = await viewerOf(c);
  const parsed = PasswordForm.safeParse({
    current_password: text(form, 'current_password'),
    new_password: text(form, 'new_password'),
  });
  if (!parsed.success) {
    const errors = friendly(zodErrors(parsed.error), {
      current_password: 'Enter your current password.',
      new_password: 'Choose a password of 8 to 256 characters.',
    });
    return sendPage(c, <PasswordPage viewer={viewer} errors={errors} />, 'no-store', 400);
  }
  try {
    const done = await changePassword(c.var.db, me(c), {
      current: parsed.data.current_password,
      next: parsed.data.new_password,
    });
    const notice = `Password changed. ${done.signedOut} other session${done.signedOut === 1 ? ' was' : 's were'} signed out; ${done.apiTokensValid} API token${done.apiTokensValid === 1 ? '' : 's'} remain${done.apiTokensValid === 1 ? 's' : ''} valid (revoke them on the Tokens page if they may be exposed).`;
    return sendPage(c, <PasswordPage viewer={viewer} notice={notice} />, 'no-store');
  } catch (err) {
    const { form: error, fields } = serviceErrors(err);
    return sendPage(c, <PasswordPage viewer={viewer} errors={fields} error={error} />, 'no-store', 400);
  }
});

const INVITATION_NOTICES = {
  accepted: 'Invitation accepted: the package is now in your account.',
  declined: 'Invitation declined.',
};

async function invitationsPage(c: Parameters<typeof me>[0], error?: string) {
  const invitations = await listMyInvitations(c.var.db.query, me(c).userId);
  const notice = noticeOf(c, INVITATION_NOTICES);
  return sendPage(
    c,
    <InvitationsPage viewer={await viewerOf(c)} invitations={invitations} notice={notice} error={error} />,
    'no-store',
    error ? 404 : 200,
  );
}

accountRoutes.get('/account/invitations', signedIn, (c) => invitationsPage(c));

const invitationParams = pageParams(InvitationIdParam, 'invitation');

accountRoutes.post(
  '/account/invitations/:invitation_id/:answer{accept|decline}',
  sessionForm,
  invitationParams,
  async (c) => {
    const auth = me(c);
    const id = c.req.valid('param').invitation_id;
    try {
      if (c.req.param('answer') === 'accept') {
        await acceptInvitation(c.var.db, auth, id, (name) => tokenAllows(auth, 'owners', name));
        return c.redirect('/account/invitations?done=accepted', 303);
      }
      await declineInvitation(c.var.db, auth, id);
      return c.redirect('/account/invitations?done=declined', 303);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return invitationsPage(c, err.message);
      throw err;
    }
  },
);
