// Contract rows from API.md and the issues' explicit demands that no other
// test pinned down (docs/contract-audit.md maps every row to its test).
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { createApp } from '../../src/app';
import { API, call, callJson, uniqueIp } from '../helpers/client';
import { errorBody } from '../helpers/contract';
import { createUser } from '../helpers/factories';
import { makeTarball, metadataFor, multipartBody, packageName, publishPackage, publishRaw } from '../helpers/packages';
import { expectRefusal } from '../helpers/rate-limit';

/** Paths of every null in a JSON value: the CLI's strict reader refuses them all. */
function nullPaths(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => nullPaths(v, `${path}.${key}`));
}

describe('strings never null', () => {
  it('a package published with description, repository and homepage null reads back as ""', async () => {
    const user = await createUser('nulls');
    const name = packageName('nulls');
    const tarball = await makeTarball(name, '1.0.0');
    const res = await publishRaw(
      user.token,
      metadataFor(name, '1.0.0', { description: null, repository: null, homepage: null, keywords: [] }),
      tarball,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const pkg = await callJson(`/packages/${name}`);
    expect(pkg.body).toMatchObject({ description: '', repository: '', homepage: '', readme: '', keywords: [] });
    const version = await callJson(`/packages/${name}/1.0.0`);
    expect(version.body).toMatchObject({ description: '', repository: '', homepage: '', yanked_at: '' });
    expect(nullPaths(pkg.body)).toEqual([]);
    // The one null the contract asks for: `provenance` is an object or null (never a string), and the CLI ignores it.
    expect(nullPaths(version.body)).toEqual(['$.provenance']);
  });

  it('a token never used says last_used "" and no token field is null', async () => {
    const user = await createUser('unused');
    const created = await callJson('/users/me/tokens', { token: user.token, json: { name: 'never-used' } });
    expect(created.status).toBe(201);
    const me = await callJson('/users/me', { token: user.token });
    const listed = me.body.tokens.find((t: { token_id: string }) => t.token_id === created.body.token_id);
    expect(listed).toMatchObject({ name: 'never-used', last_used: '', package_pattern: '' });
    expect(nullPaths(me.body)).toEqual([]);
  });

  it('a profile lists a package whose every version is yanked with version ""', async () => {
    const user = await createUser('allyanked');
    const name = packageName('allyanked');
    await publishPackage(user.token, name, '1.0.0');
    expect((await callJson(`/packages/${name}/1.0.0`, { method: 'DELETE', token: user.token })).status).toBe(200);
    const { body } = await callJson(`/users/${user.username}`);
    expect(body.packages).toEqual([{ name, version: '', downloads: 0, role: 'owner' }]);
    expect(body.total_downloads).toBe(0);
  });
});

describe('404s with the contract body', () => {
  it('an unknown package, and an unknown version of a known one', async () => {
    const user = await createUser('nf');
    const name = packageName('nf');
    await publishPackage(user.token, name, '1.0.0');
    for (const path of [`/packages/${name}-nope`, `/packages/${name}/9.9.9`, `/packages/${name}-nope/1.0.0`]) {
      const { status, body } = await callJson(path);
      expect(status, path).toBe(404);
      expect(body).toEqual(errorBody('not_found'));
    }
  });
});

describe('names are case-normalised on lookup', () => {
  it('owners, download, stats, yank and unyank find a package named in capitals', async () => {
    const user = await createUser('case');
    const name = packageName('case');
    const { tarball } = await publishPackage(user.token, name, '1.0.0');
    const upper = name.toUpperCase();

    const owners = await callJson(`/packages/${upper}/owners`);
    expect(owners.status).toBe(200);
    expect(owners.body.owners.map((o: { username: string }) => o.username)).toEqual([user.username]);

    const download = await call(`/packages/${upper}/1.0.0/download`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${name}-1.0.0.tar.gz"`);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(tarball);

    const stats = await callJson(`/packages/${upper}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body.name).toBe(name);

    const yank = await callJson(`/packages/${upper}/1.0.0`, { method: 'DELETE', token: user.token });
    expect(yank.status).toBe(200);
    expect(yank.body).toMatchObject({ name, version: '1.0.0', yanked: true });
    const unyank = await callJson(`/packages/${upper}/1.0.0/unyank`, { method: 'PUT', token: user.token });
    expect(unyank.status).toBe(200);
    expect(unyank.body).toEqual({ name, version: '1.0.0', yanked: false });
  });

  it('profiles are found by a username in capitals', async () => {
    const user = await createUser('ucase');
    const { status, body } = await callJson(`/users/${user.username.toUpperCase()}`);
    expect(status).toBe(200);
    expect(body.username).toBe(user.username);
  });
});

describe('rate-limit headers on every limited response', () => {
  const hasLimitHeaders = (res: Response) =>
    ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'].every((h) =>
      /^\d+$/.test(res.headers.get(h) ?? ''),
    );

  it('refusals from handlers and route middleware carry X-RateLimit-* too', async () => {
    const owner = await createUser('rlh');
    const stranger = await createUser('rlh');
    const name = packageName('rlh');
    await publishPackage(owner.token, name, '1.0.0');
    const replies: [number, Response][] = [
      [404, await call(`/packages/${name}-nope`)],
      [400, await call('/search')],
      [400, await call('/packages/trending?period=year')],
      [401, await call('/users/me')],
      [403, await call(`/packages/${name}/1.0.0`, { method: 'DELETE', token: stranger.token })],
      [404, await call('/users/me/tokens/not-a-token', { method: 'DELETE', token: owner.token })],
      [409, await publishRawResponse(owner.token, name)],
      [
        413,
        await call('/auth/register', {
          json: { username: 'big', email: 'b@example.test', password: 'p'.repeat(1 << 17) },
        }),
      ],
    ];
    for (const [status, res] of replies) {
      expect(res.status, res.url).toBe(status);
      expect(hasLimitHeaders(res), `${status} ${res.url}`).toBe(true);
      await res.arrayBuffer();
    }
  });
});

async function publishRawResponse(token: string, name: string): Promise<Response> {
  const { body, contentType } = multipartBody(metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'));
  return call('/packages/publish', { method: 'POST', token, body, headers: { 'content-type': contentType } });
}

/** The Worker with other Worker variables, as a changed [vars] entry would make it. */
async function callWith(vars: Record<string, string>, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has('cf-connecting-ip')) headers.set('cf-connecting-ip', uniqueIp());
  const ctx = createExecutionContext();
  const res = await createApp().request(`${API}${path}`, { ...init, headers }, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('rate limits the other tests reach only through stand-ins', () => {
  it('the real publish route holds back new names past the limit, but never new versions', async () => {
    const vars = { RATE_LIMIT_NEW_PACKAGES_PER_HOUR: '2' };
    const user = await createUser('newpkg');
    const publish = async (name: string, version: string) => {
      const { body, contentType } = multipartBody(metadataFor(name, version), await makeTarball(name, version));
      return callWith(vars, '/packages/publish', {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${user.token}`, 'content-type': contentType },
      });
    };
    const names = [packageName('newpkg'), packageName('newpkg'), packageName('newpkg')];
    for (const [i, name] of names.slice(0, 2).entries()) {
      const res = await publish(name, '1.0.0');
      expect(res.status).toBe(201);
      expect(res.headers.get('x-ratelimit-limit')).toBe('2');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(1 - i));
      await res.arrayBuffer();
    }
    const refused = await publish(names[2]!, '1.0.0');
    const body = await expectRefusal(refused, 2);
    expect(body.message).toMatch(/new package/i);
    expect((await callJson(`/packages/${names[2]}`)).status).toBe(404);
    // New versions of packages that exist are not held back.
    for (const version of ['1.1.0', '1.2.0']) expect((await publish(names[0]!, version)).status).toBe(201);
  });
});

describe('the request log', () => {
  let logs: MockInstance<typeof console.log> | undefined;
  afterEach(() => logs?.mockRestore());

  const requestLines = () =>
    (logs?.mock.calls ?? [])
      .map((args) => String(args[0]))
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('one JSON line per request: request id, method, route, status, duration', async () => {
    logs = vi.spyOn(console, 'log').mockImplementation(() => {});
    const user = await createUser('log');
    const res = await call(`/users/${user.username}`, { headers: { 'x-request-id': 'audit-log-line-0001' } });
    expect(res.status).toBe(200);
    const lines = requestLines().filter((l) => l.request_id === 'audit-log-line-0001');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/api/v1/users/:username',
      status: 200,
      duration_ms: expect.any(Number),
    });
  });

  it('never holds a password or a token, on register, login, refresh or token creation', async () => {
    logs = vi.spyOn(console, 'log').mockImplementation(() => {});
    const username = `logsecret-${Date.now().toString(36)}`;
    const password = `pw-${crypto.randomUUID()}`;
    const email = `${username}@example.test`;
    const ip = uniqueIp();
    const registered = await callJson('/auth/register', { ip, json: { username, email, password } });
    expect(registered.status).toBe(201);
    const login = await callJson('/auth/login', { ip, json: { email, password } });
    expect(login.status).toBe(200);
    const wrong = await callJson('/auth/login', { ip, json: { email, password: `${password}-wrong` } });
    expect(wrong.status).toBe(401);
    const refreshed = await callJson('/auth/refresh', { method: 'POST', token: login.body.token });
    expect(refreshed.status).toBe(200);
    const named = await callJson('/users/me/tokens', { token: refreshed.body.token, json: { name: 'ci' } });
    expect(named.status).toBe(201);
    await callJson('/users/me', { token: named.body.token });

    const lines = requestLines();
    expect(lines.length).toBeGreaterThanOrEqual(6);
    const logged = (logs?.mock.calls ?? []).map((args) => args.map(String).join(' ')).join('\n');
    const secrets = [registered.body.token, login.body.token, refreshed.body.token, named.body.token];
    for (const secret of [password, ...secrets, ...secrets.map((t: string) => t.slice(4))]) {
      expect(logged).not.toContain(secret);
    }
  });
});
