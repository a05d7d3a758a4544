// The website's account half over the Worker's real fetch handler: sessions
// in cookies, CSRF and Origin checks, sign-in limits, tokens, sessions,
// password change and invitations, each through the API's own services.
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { signToken } from '../../src/lib/tokens';
import { safeReturnPath } from '../../src/web/session';
import {
  csrfOf,
  get,
  post,
  sessionCookieOf,
  setCookieLine,
  signedInUser,
  signIn,
  submit,
  XSS,
  XSS_ESCAPED,
} from '../helpers/browser-session';
import { BASE, callJson, uniqueIp } from '../helpers/client';
import { withDb } from '../helpers/db';
import { createUser, unique } from '../helpers/factories';
import { invite } from '../helpers/owners';
import { packageName, publishPackage } from '../helpers/packages';
import { expectSecurityHeaders } from '../helpers/web';

const tokenIdOf = (cookie: string) => {
  const jwt = cookie.split('=')[1]!.replace(/^rvn_/, '');
  return JSON.parse(atob(jwt.split('.')[1]!.replaceAll('-', '+').replaceAll('_', '/'))).jti as string;
};

const tokenRow = (id: string) =>
  withDb(async (db) => {
    const r = await db.execute<{ kind: string; revoked: boolean; expires_at: string; name: string }>(
      sql`select kind, revoked_at is not null as revoked, expires_at::text, name from api_tokens where id = ${id}`,
    );
    return r.rows[0];
  });

const apiTokenCount = (userId: string) =>
  withDb(async (db) => {
    const r = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from api_tokens where user_id = ${userId} and kind = 'api'`,
    );
    return r.rows[0]!.n;
  });

describe('sign up, sign in, sign out', () => {
  it('registers with a form, sets an HttpOnly SameSite=Lax session cookie for a web row, and returns to the page', async () => {
    const username = unique('reg').slice(0, 32).replace(/-+$/, '');
    const res = await post(null, '/register', {
      username,
      email: `${username}@example.test`,
      password: 'a-long-enough-pass',
      next: '/account/tokens',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/tokens');
    const line = setCookieLine(res);
    expect(line).toMatch(/^raven_session=rvn_/);
    // Not loopback: Secure even over plain HTTP.
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/', 'Max-Age=1209600'])
      expect(line).toContain(attr);
    expect(line).not.toMatch(/Domain=/i);
    const cookie = sessionCookieOf(res)!;
    expect((await tokenRow(tokenIdOf(cookie)))?.kind).toBe('web');
    const page = await get({ cookie, base: BASE }, '/account');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('private, no-store');
    expectSecurityHeaders(page, expect);
    const html = await page.text();
    expect(html).toContain(`${username}@example.test`);
    expect(html).toContain('action="/logout"');
  });

  it('over HTTPS the cookie carries the __Host- prefix and Secure', async () => {
    const user = await createUser('https');
    const browser = await signIn(user, 'https://registry.test');
    expect(browser.cookie).toMatch(/^__Host-raven_session=rvn_/);
    const res = await post({ cookie: '', base: 'https://registry.test' }, '/login', {
      email: user.email,
      password: user.password,
    });
    const line = setCookieLine(res);
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/']) expect(line).toContain(attr);
    expect((await get(browser, '/account')).status).toBe(200);
  });

  it('shows form errors next to their fields, in plain words, and keeps what was typed', async () => {
    const taken = await createUser('taken');
    const res = await post(null, '/register', { username: 'Bad Name!', email: 'nope', password: 'short' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('id="f-username-error"');
    expect(html).toContain('id="f-email-error"');
    expect(html).toContain('Passwords need at least 8 characters.');
    expect(html).toContain('aria-describedby="f-username-hint f-username-error"');
    expect(html).toContain('value="Bad Name!"');
    expect(html).not.toMatch(/Too small|expected string/);
    const dup = await post(null, '/register', {
      username: taken.username,
      email: `x-${taken.email}`,
      password: 'a-long-enough-pass',
    });
    expect(dup.status).toBe(409);
    expect(await dup.text()).toMatch(/id="f-username-error">That username is taken\./);
  });

  it('answers a wrong password and an unknown email with the same message, and sets no cookie', async () => {
    const user = await createUser('badpw');
    const wrong = await post(null, '/login', { email: user.email, password: 'not-the-password' });
    const unknown = await post(null, '/login', { email: `${unique('nobody')}@example.test`, password: 'whatever1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toContain('Invalid email or password.');
    expect(await unknown.text()).toContain('Invalid email or password.');
    expect(sessionCookieOf(wrong)).toBeUndefined();
  });

  it('counts sign-in attempts in the API login limiter (per client IP)', async () => {
    const user = await createUser('limit');
    const ip = uniqueIp();
    const at = (password: string) =>
      post(null, '/login', { email: user.email, password }, { origin: BASE, 'cf-connecting-ip': ip });
    for (let i = 0; i < 10; i++) expect((await at('wrong-password')).status).toBe(401);
    const refused = await at(user.password);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain('Too many login attempts');
    expect(sessionCookieOf(refused)).toBeUndefined();
  });

  it('sign-up counts against the per-IP limit for anonymous requests, refused in words with Retry-After', async () => {
    const ip = uniqueIp();
    const attempt = () =>
      post(null, '/register', { username: 'x', email: 'bad', password: 'x' }, { origin: BASE, 'cf-connecting-ip': ip });
    for (let i = 0; i < 60; i++) expect((await attempt()).status).toBe(400);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.text()).toContain('Rate limit exceeded');
  });

  it('honours only same-site paths as the return target', async () => {
    const user = await createUser('next');
    for (const [next, to] of [
      ['/packages/raven-ui?tab=versions', '/packages/raven-ui?tab=versions'],
      ['//evil.example/x', '/account'],
      ['/\\evil.example', '/account'],
      ['https://evil.example/', '/account'],
      ['javascript:alert(1)', '/account'],
      ['/login', '/account'],
    ]) {
      const res = await post(null, '/login', { email: user.email, password: user.password, next: next! });
      expect(res.headers.get('location'), next).toBe(to);
    }
    expect(safeReturnPath('/ok path')).toBe('/account');
  });

  it('sends a visitor to sign in and back', async () => {
    const res = await get(null, '/account/tokens?x=1');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Faccount%2Ftokens%3Fx%3D1');
    const form = await (await get(null, '/login?next=%2Faccount%2Ftokens')).text();
    expect(form).toContain('name="next" value="/account/tokens"');
  });

  it('signing out revokes the session row, clears the cookie, and the old cookie no longer works', async () => {
    const { browser } = await signedInUser('out');
    const id = tokenIdOf(browser.cookie);
    const res = await submit(browser, '/logout');
    expect(res.status).toBe(303);
    expect(setCookieLine(res)).toMatch(/raven_session=;.*Max-Age=0/);
    expect((await tokenRow(id))?.revoked).toBe(true);
    expect((await get(browser, '/account')).status).toBe(303);
    // The row is the credential: the same JWT is refused by the API as well.
    const jwt = browser.cookie.split('=')[1]!;
    expect((await callJson('/users/me', { token: jwt })).status).toBe(401);
  });

  it('does not treat an API token placed in the cookie as a session', async () => {
    const user = await createUser('apicookie');
    const made = await callJson('/users/me/tokens', { token: user.token, json: { name: 'ci' } });
    const res = await get({ cookie: `raven_session=${made.body.token}`, base: BASE }, '/account');
    expect(res.status).toBe(303);
  });

  it('slides: a session used a day after it was last extended gets 14 more days and a fresh cookie for the same row', async () => {
    const { user, browser } = await signedInUser('slide');
    const id = tokenIdOf(browser.cookie);
    const soon = new Date(Date.now() + 2 * 86_400_000);
    await withDb((db) => db.execute(sql`update api_tokens set expires_at = ${soon.toISOString()} where id = ${id}`));
    const old = await signToken({ userId: user.userId, tokenId: id, expiresAt: soon }, env.JWT_SECRET);
    const res = await get({ cookie: `raven_session=${old}`, base: BASE }, '/account');
    expect(res.status).toBe(200);
    const fresh = sessionCookieOf(res);
    expect(fresh && tokenIdOf(fresh)).toBe(id);
    const row = await tokenRow(id);
    expect(new Date(row!.expires_at).getTime()).toBeGreaterThan(Date.now() + 13.9 * 86_400_000);
    // A fresh session is not rewritten on every page.
    expect(sessionCookieOf(await get(browser, '/account'))).toBeUndefined();
  });
});

describe('CSRF and Origin checks', () => {
  const tokenForm = (csrf?: string) => ({ ...(csrf ? { csrf } : {}), name: 'sneaky', expires_in_days: '5' });

  async function expectRefused(res: Response, userId: string) {
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('That request was refused');
    expect(await apiTokenCount(userId)).toBe(0);
  }

  it('refuses a form from another origin, with the token, and changes nothing', async () => {
    const { user, browser } = await signedInUser('csrf1');
    const csrf = await csrfOf(browser);
    const res = await post(browser, '/account/tokens', tokenForm(csrf), {
      cookie: browser.cookie,
      origin: 'https://evil.example',
    });
    await expectRefused(res, user.userId);
  });

  it('refuses a missing token and a token of an earlier session', async () => {
    const { user, browser } = await signedInUser('csrf2');
    await expectRefused(await post(browser, '/account/tokens', tokenForm()), user.userId);
    const stale = await csrfOf(browser);
    await submit(browser, '/logout');
    const again = await signIn(user);
    await expectRefused(await post(again, '/account/tokens', tokenForm(stale)), user.userId);
    await expectRefused(await post(again, '/account/tokens', tokenForm('x'.repeat(43))), user.userId);
  });

  it('falls back to Referer when there is no Origin, and refuses when there is neither', async () => {
    const { user, browser } = await signedInUser('csrf3');
    const csrf = await csrfOf(browser);
    await expectRefused(
      await post(browser, '/account/tokens', tokenForm(csrf), { cookie: browser.cookie }),
      user.userId,
    );
    await expectRefused(
      await post(browser, '/account/tokens', tokenForm(csrf), {
        cookie: browser.cookie,
        referer: 'https://evil.example/',
      }),
      user.userId,
    );
    const ok = await post(browser, '/account/tokens', tokenForm(csrf), {
      cookie: browser.cookie,
      referer: `${BASE}/account/tokens`,
    });
    expect(ok.status).toBe(201);
  });

  it('refuses sign-in and sign-up posted from another site', async () => {
    const user = await createUser('csrf4');
    const res = await post(
      null,
      '/login',
      { email: user.email, password: user.password },
      { origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
    expect(sessionCookieOf(res)).toBeUndefined();
  });

  it('a GET never changes state: the sign-out and revoke paths do nothing on GET', async () => {
    const { browser } = await signedInUser('csrf5');
    expect((await get(browser, '/logout')).status).toBe(404);
    expect((await tokenRow(tokenIdOf(browser.cookie)))?.revoked).toBe(false);
  });
});

describe('tokens', () => {
  it('creates a token shown once with the credentials file and CI step, usable by the API until revoked', async () => {
    const { user, browser } = await signedInUser('tok');
    const res = await submit(browser, '/account/tokens', {
      name: XSS,
      scopes: ['publish', 'yank'],
      package_pattern: 'raven-*',
      expires_in_days: '10',
    });
    expect(res.status).toBe(201);
    const html = await res.text();
    const token = /id="new-token-value">(rvn_[^<]+)</.exec(html)?.[1];
    expect(token).toBeDefined();
    expect(html).toContain(
      `{&quot;token&quot;: &quot;${token}&quot;, &quot;username&quot;: &quot;${user.username}&quot;}`,
    );
    expect(html).toContain('~/.raven/credentials.json');
    expect(html).toContain('umask 077');
    expect(html).toContain(XSS_ESCAPED);
    expect(html).not.toContain(XSS);
    const me = await callJson('/users/me', { token });
    expect(me.status).toBe(200);
    const info = me.body.tokens[0];
    expect(info).toMatchObject({ scopes: ['publish', 'yank'], package_pattern: 'raven-*', name: XSS });

    const list = await (await get(browser, '/account/tokens')).text();
    expect(list).toContain(XSS_ESCAPED);
    expect(list).not.toContain(token);
    const revoke = await submit(browser, `/account/tokens/${info.token_id}/revoke`);
    expect(revoke.headers.get('location')).toBe('/account/tokens?done=revoked');
    expect((await callJson('/users/me', { token })).status).toBe(401);
  });

  it('refuses bad input with messages under each field', async () => {
    const { browser } = await signedInUser('tokbad');
    const res = await submit(browser, '/account/tokens', {
      name: '',
      package_pattern: 'Raven UI',
      expires_in_days: '1000',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('id="f-name-error">Give the token a name');
    expect(html).toContain('id="f-package_pattern-error">A package pattern uses');
    expect(html).toContain('id="f-expires_in_days-error">Choose a whole number of days from 1 to 365.');
  });
});

describe('sessions and password', () => {
  it('lists sessions and signs out the others', async () => {
    const { user, browser } = await signedInUser('sess');
    const other = await signIn(user);
    const html = await (await get(browser, '/account/sessions')).text();
    expect(html).toContain('This browser');
    expect(html).toContain('Command line');
    await submit(browser, '/account/sessions/sign-out-others');
    expect((await get(other, '/account')).status).toBe(303);
    expect((await callJson('/users/me', { token: user.token })).status).toBe(401);
    expect((await get(browser, '/account')).status).toBe(200);
  });

  it('changing the password needs the current one, signs out every other session and keeps API tokens', async () => {
    const { user, browser } = await signedInUser('pw');
    const other = await signIn(user);
    await callJson('/users/me/tokens', { token: user.token, json: { name: 'ci' } });
    const wrong = await submit(browser, '/account/password', {
      current_password: 'not-it-at-all',
      new_password: 'a-new-strong-pass',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('id="f-current_password-error">That is not your current password.');
    const res = await submit(browser, '/account/password', {
      current_password: user.password,
      new_password: 'a-new-strong-pass',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('2 other sessions were signed out; 1 API token remains valid');
    expect((await get(other, '/account')).status).toBe(303);
    expect((await get(browser, '/account')).status).toBe(200);
    const login = await callJson('/auth/login', { json: { email: user.email, password: 'a-new-strong-pass' } });
    expect(login.status).toBe(200);
  });
});

describe('invitations', () => {
  it('lists pending invitations and accepts or declines them', async () => {
    const owner = await createUser('invown');
    const first = packageName('inv-a');
    const second = packageName('inv-b');
    await publishPackage(owner.token, first, '1.0.0');
    await publishPackage(owner.token, second, '1.0.0');
    const { user, browser } = await signedInUser('invitee');
    await invite(owner.token, first, user.username, 'maintainer');
    await invite(owner.token, second, user.username, 'owner');
    const html = await (await get(browser, '/account/invitations')).text();
    const ids = [...html.matchAll(/\/account\/invitations\/([0-9a-f-]{36})\/accept/g)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    const accepted = await submit(browser, `/account/invitations/${ids[0]}/accept`);
    expect(accepted.headers.get('location')).toBe('/account/invitations?done=accepted');
    await submit(browser, `/account/invitations/${ids[1]}/decline`);
    const owners = await callJson(`/packages/${first}/owners`);
    expect(owners.body.owners.map((o: { username: string }) => o.username)).toContain(user.username);
    expect((await callJson('/users/me/invitations', { token: user.token })).body.invitations).toEqual([]);
    const again = await submit(browser, `/account/invitations/${ids[1]}/accept`);
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('No pending invitation of yours');
  });
});
