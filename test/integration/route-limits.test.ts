// The rate-limit rule and body cap each route declares, seen from outside:
// with every bucket given its own limit, X-RateLimit-Limit tells which bucket
// a request drew from. Unmatched paths get the defaults.
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE, call, uniqueIp } from '../helpers/client';
import { errorBody } from '../helpers/contract';
import { createUser, type TestUser, unique } from '../helpers/factories';
import { callWith, limitHeaders } from '../helpers/rate-limit';

const vars = {
  RATE_LIMIT_ANON_PER_HOUR: '61',
  RATE_LIMIT_INSTALL_PER_HOUR: '62',
  RATE_LIMIT_SEARCH_PER_HOUR: '63',
  RATE_LIMIT_AUTH_PER_HOUR: '64',
  RATE_LIMIT_LOGIN_PER_HOUR: '65',
};
const bucket = { '61': 'anon', '62': 'install', '63': 'search', '64': 'user', '65': 'login' } as const;

async function bucketOf(path: string, init: RequestInit = {}): Promise<string> {
  const headers = new Headers(init.headers);
  headers.set('cf-connecting-ip', uniqueIp());
  const res = await callWith(vars, path, { ...init, headers });
  await res.arrayBuffer();
  expect(res.status, path).not.toBe(429);
  const limit = limitHeaders(res).limit;
  return limit === null ? 'none' : (bucket[limit as keyof typeof bucket] ?? limit);
}

let user: TestUser;
beforeAll(async () => {
  user = await createUser('rl');
});

describe('which bucket a route draws from', () => {
  it('anonymous package info, version info and index reads draw from the install bucket, GET or HEAD', async () => {
    const name = unique('inst');
    for (const path of [`/packages/${name}`, `/packages/${name}/1.2.3`, `/index/${name}`, '/index/config.json']) {
      expect(await bucketOf(path), path).toBe('install');
      expect(await bucketOf(path, { method: 'HEAD' }), path).toBe('install');
    }
  });

  it('the rest of /packages and /index, and paths no route serves, draw from the anonymous bucket', async () => {
    const name = unique('anon');
    for (const path of [
      '/packages/trending',
      '/packages/categories/ui',
      `/packages/${name}/owners`,
      `/packages/${name}/stats`,
      `/packages/${name}/audit`,
      `/packages/${name}/1.2.3/extra`,
      '/index',
      '/index/a/b',
      '/no-such-route',
    ]) {
      expect(await bucketOf(path), path).toBe('anon');
    }
    expect(await bucketOf(`/packages/${name}/1.2.3`, { method: 'DELETE' })).toBe('anon');
  });

  it('signed-in install reads draw from the user bucket; search from the search bucket either way', async () => {
    const auth = { authorization: `Bearer ${user.token}` };
    expect(await bucketOf(`/packages/${unique('inst')}`, { headers: auth })).toBe('user');
    expect(await bucketOf('/search?q=raven')).toBe('search');
    expect(await bucketOf('/search?q=raven', { headers: auth })).toBe('search');
  });

  it('tarball downloads never reach the limiter; login draws only from its own buckets', async () => {
    expect(await bucketOf(`/packages/${unique('dl')}/1.2.3/download`)).toBe('none');
    expect(await bucketOf(`/packages/${unique('dl')}/1.2.3/download`, { method: 'HEAD' })).toBe('none');
    const login = { method: 'POST', headers: { 'content-type': 'application/json' } };
    const body = JSON.stringify({ email: user.email, password: user.password });
    expect(await bucketOf('/auth/login', { ...login, body })).toBe('login');
    const username = unique('reg');
    const newcomer = JSON.stringify({ username, email: `${username}@example.test`, password: 'long enough pw' });
    expect(await bucketOf('/auth/register', { ...login, body: newcomer })).toBe('anon');
  });
});

describe('body caps', () => {
  const big = 'x'.repeat(65 * 1024);

  it('JSON routes refuse a body over 64 KiB before reading it, with or without Content-Length', async () => {
    const res = await call('/users/me/tokens', { token: user.token, json: { name: big, scopes: [] } });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual(errorBody('payload_too_large'));
    const stream = new Blob([JSON.stringify({ name: big })]).stream();
    const chunked = await call('/users/me/tokens', {
      token: user.token,
      headers: { 'content-type': 'application/json' },
      body: stream,
    });
    expect(chunked.status).toBe(413);
  });

  it("the site's sign-in form refuses a body over 64 KiB with the site's page, not JSON", async () => {
    const res = await call(`${BASE}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE },
      body: new URLSearchParams({ email: 'a@example.test', password: big }).toString(),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('publish is capped while streaming, not by the small-body cap', async () => {
    const res = await call('/packages/publish', {
      token: user.token,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      body: `--b\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"pad":"${big}"}\r\n--b--\r\n`,
    });
    // Refused for what it says (no tarball), not for its size.
    expect(res.status).toBe(400);
  });
});
