// A browser, as far as the Worker can tell: a cookie jar of one session
// cookie, same-site Origin headers on form POSTs, and the form's CSRF field
// read back from the page it was on.
import { exports } from 'cloudflare:workers';
import { BASE, type CallOptions, uniqueIp } from './client';
import { createUser, type TestUser } from './factories';

/** Like client.call, but redirects come back as they are (a browser shows them; the tests read them). */
function call(url: string, options: CallOptions): Promise<Response> {
  const headers = new Headers(options.headers);
  if (!headers.has('cf-connecting-ip')) headers.set('cf-connecting-ip', uniqueIp());
  return exports.default.fetch(
    new Request(url, { method: options.method ?? 'GET', headers, body: options.body, redirect: 'manual' }),
  );
}

export interface Browser {
  cookie: string;
  base: string;
}

/** `name=value` of the session cookie a response set, or undefined. */
export function sessionCookieOf(res: Response): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const match = /^((?:__Host-)?raven_session)=([^;]*)/.exec(line);
    if (match?.[2]) return `${match[1]}=${match[2]}`;
  }
  return undefined;
}

export function setCookieLine(res: Response): string {
  return res.headers.getSetCookie().find((l) => /raven_session=/.test(l)) ?? '';
}

export function get(browser: Browser | null, path: string, headers: Record<string, string> = {}) {
  const base = browser?.base ?? BASE;
  return call(base + path, {
    headers: { accept: 'text/html', ...(browser ? { cookie: browser.cookie } : {}), ...headers },
  });
}

export function post(
  browser: Browser | null,
  path: string,
  fields: Record<string, string | string[]>,
  headers: Record<string, string> | null = null,
) {
  const base = browser?.base ?? BASE;
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(key, v);
  return call(base + path, {
    method: 'POST',
    body,
    headers: headers ?? { origin: base, ...(browser ? { cookie: browser.cookie } : {}) },
  });
}

/** The CSRF token of the forms on `path` (every form on a page carries the session's one). */
export async function csrfOf(browser: Browser, path = '/account'): Promise<string> {
  const html = await (await get(browser, path)).text();
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no CSRF field on ${path}`);
  return token;
}

/** Posts a form the way the page would: with the session's CSRF token. */
export async function submit(browser: Browser, path: string, fields: Record<string, string | string[]> = {}) {
  return post(browser, path, { csrf: await csrfOf(browser), ...fields });
}

export async function signIn(user: TestUser, base = BASE): Promise<Browser> {
  const res = await post({ cookie: '', base }, '/login', { email: user.email, password: user.password });
  const cookie = sessionCookieOf(res);
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status}`);
  return { cookie, base };
}

export async function signedInUser(prefix = 'web', base = BASE): Promise<{ user: TestUser; browser: Browser }> {
  const user = await createUser(prefix);
  return { user, browser: await signIn(user, base) };
}

/** Visible text check helper: the raw payload must never appear unescaped. */
export const XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>';
export const XSS_ESCAPED = '&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;';
