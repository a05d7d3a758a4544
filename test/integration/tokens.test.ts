import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, read } from '../helpers/api';
import { callJson } from '../helpers/client';
import { expectError } from '../helpers/contract';
import { withDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';

const TEST_SECRET = env.JWT_SECRET;
const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/** Claims copied from a real token, so only the property under test differs. */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.slice(4).split('.')[1]!;
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
}

type TokenRequest = {
  name?: string;
  expires_in_days?: number;
  scopes?: ('publish' | 'yank' | 'owners')[];
  package_pattern?: string;
};
const me = (token: string) => read(api(token).users.me.$get());
const createToken = (token: string, json: TokenRequest & { name: string }) =>
  read(api(token).users.me.tokens.$post({ json }));
const revoke = (token: string, token_id: string) =>
  read(api(token).users.me.tokens[':token_id'].$delete({ param: { token_id } }));
const refresh = (token: string) => read(api(token).auth.refresh.$post());

async function apiToken(user: TestUser, json: TokenRequest = {}) {
  const { status, body } = await createToken(user.token, { name: 'ci', ...json });
  expect(status).toBe(201);
  return body;
}

async function expectSessionNeeded(res: { status: number; body: unknown }) {
  expectError(res, 'permission_denied', { message: expect.stringMatching(/session token/) });
}

async function expect401(token: string) {
  expectError(await me(token), 'authentication_required');
}

describe('GET /users/me', () => {
  it('shows the email and live tokens, with last_used a string', async () => {
    const user = await createUser();
    const { status, body } = await me(user.token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ username: user.username, user_id: user.userId, email: user.email, packages: [] });
    expect(body.total_downloads).toBe(0);
    expect(body.tokens).toHaveLength(1);
    const [token] = body.tokens;
    expect(token).toMatchObject({ name: 'registration', kind: 'session' });
    for (const field of ['token_id', 'name', 'created_at', 'last_used', 'expires_at'] as const) {
      expect(typeof token?.[field]).toBe('string');
    }
    expect(token?.last_used).not.toBe('');
    expect(JSON.stringify(body)).not.toContain(user.token);
  });

  it('with an API token, still answers but lists only the calling token', async () => {
    const user = await createUser();
    const ci = await apiToken(user, { name: 'ci' });
    await apiToken(user, { name: 'other' });
    const asSession = await me(user.token);
    expect(asSession.body.tokens.map((t) => t.name).sort()).toEqual(['ci', 'other', 'registration']);
    const { status, body } = await me(ci.token);
    expect(status).toBe(200);
    expect(body.email).toBe(user.email);
    expect(body.tokens.map((t) => t.token_id)).toEqual([ci.token_id]);
  });
});

describe('POST /users/me/tokens', () => {
  it('creates a named token shown once, usable at once, listed without its secret', async () => {
    const user = await createUser();
    const { status, body } = await createToken(user.token, {
      name: 'ci',
      expires_in_days: 7,
      scopes: ['publish'],
      package_pattern: 'raven-*',
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'ci' });
    expect(body.token).toMatch(/^rvn_/);
    const days = (Date.parse(body.expires_at) - Date.parse(body.created_at)) / 86_400_000;
    expect(Math.round(days)).toBe(7);
    const mine = await me(body.token);
    expect(mine.status).toBe(200);
    const listed = mine.body.tokens.find((t) => t.token_id === body.token_id);
    expect(listed).toMatchObject({ name: 'ci', kind: 'api', scopes: ['publish'], package_pattern: 'raven-*' });
    expect(JSON.stringify(mine.body)).not.toContain(body.token);
  });

  it('says what it granted: scopes and package pattern, "" and [] when unrestricted', async () => {
    const user = await createUser();
    expect(await apiToken(user, { scopes: ['yank'], package_pattern: 'raven-*' })).toMatchObject({
      scopes: ['yank'],
      package_pattern: 'raven-*',
    });
    expect(await apiToken(user)).toMatchObject({ scopes: [], package_pattern: '' });
  });

  it('refuses an API token, however wide: only a session token creates tokens', async () => {
    const user = await createUser();
    for (const creator of [
      await apiToken(user),
      await apiToken(user, { scopes: ['publish'], package_pattern: 'a-*' }),
    ]) {
      for (const json of [{ name: 'wider' }, { name: 'same', scopes: ['publish'], package_pattern: 'a-*' }]) {
        await expectSessionNeeded(await callJson('/users/me/tokens', { token: creator.token, json }));
      }
    }
    expect((await me(user.token)).body.tokens).toHaveLength(3);
  });

  it('refuses a package pattern with more than four stars', async () => {
    const user = await createUser();
    await apiToken(user, { package_pattern: 'a*b*c*d*' });
    const { status, body } = await callJson('/users/me/tokens', {
      token: user.token,
      json: { name: 'evil', package_pattern: '*a*a*a*a*a*a*b' },
    });
    expect(status).toBe(400);
    expect(Object.keys(body.details.fields)).toContain('package_pattern');
  });

  it.each([
    ['an ANSI escape', '\u001b[31mprod'],
    ['a C1 control', 'ci\u009b2J'],
    ['a right-to-left override', 'ci-\u202eorp'],
    ['a bidi isolate', '\u2066ci\u2069'],
    ['a right-to-left mark', 'ci\u200f'],
    ['a newline', 'ci\nprod'],
  ])('refuses a name with %s, naming the field', async (_, name) => {
    const user = await createUser();
    const { status, body } = await callJson('/users/me/tokens', { token: user.token, json: { name } });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
    expect(Object.keys(body.details.fields)).toContain('name');
  });

  it('never stores the token itself', async () => {
    const user = await createUser();
    const { body } = await createToken(user.token, { name: 'scan' });
    const rows = await withDb((db) => db.execute(sql`select * from api_tokens where id = ${body.token_id}`));
    expect(JSON.stringify(rows.rows)).not.toContain(body.token.slice(4));
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(65) }, 'name'],
    [{ name: 'ok', expires_in_days: 0 }, 'expires_in_days'],
    [{ name: 'ok', expires_in_days: 'soon' }, 'expires_in_days'],
    [{ name: 'ok', scopes: ['admin'] }, 'scopes.0'],
    [{ name: 'ok', package_pattern: 'Bad Pattern' }, 'package_pattern'],
  ])('400s on %j', async (json, field) => {
    const user = await createUser();
    const { status, body } = await callJson('/users/me/tokens', { token: user.token, json });
    expect(status).toBe(400);
    expect(Object.keys(body.details.fields)).toContain(field);
  });
});

describe('DELETE /users/me/tokens/:token_id', () => {
  it('revokes a token so it stops working at once', async () => {
    const user = await createUser();
    const created = await createToken(user.token, { name: 'doomed' });
    const { status, body } = await revoke(user.token, created.body.token_id);
    expect(status).toBe(200);
    expect(body).toEqual({ token_id: created.body.token_id, revoked: true });
    await expect401(created.body.token);
    const again = await revoke(user.token, created.body.token_id);
    expect(again.status).toBe(404);
  });

  it("cannot revoke someone else's token", async () => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const bobs = await createToken(bob.token, { name: 'mine' });
    expectError(await revoke(alice.token, bobs.body.token_id), 'not_found');
    expect((await me(bobs.body.token)).status).toBe(200);
  });

  it('refuses an API token, even revoking itself: only a session token revokes tokens', async () => {
    const user = await createUser();
    const [ci, other] = [await apiToken(user), await apiToken(user)];
    for (const target of [other.token_id, ci.token_id]) {
      await expectSessionNeeded(await revoke(ci.token, target));
    }
    expect((await me(other.token)).status).toBe(200);
    expect((await me(ci.token)).status).toBe(200);
  });

  it('404s on a malformed id', async () => {
    const user = await createUser();
    const { status } = await revoke(user.token, 'not-a-uuid');
    expect(status).toBe(404);
  });
});

describe('POST /auth/refresh keeps what the token was', () => {
  it('an API token keeps its kind, scopes, pattern and original expiry, so it cannot be renewed forever', async () => {
    const user = await createUser();
    const ci = await apiToken(user, { expires_in_days: 3, scopes: ['publish'], package_pattern: 'raven-*' });
    const first = await refresh(ci.token);
    expect(first.status).toBe(200);
    expect(first.body.expires_at).toBe(ci.expires_at);
    const second = await refresh(first.body.token);
    expect(second.body.expires_at).toBe(ci.expires_at);
    const mine = await me(second.body.token);
    expect(mine.body.tokens).toEqual([
      expect.objectContaining({ name: 'ci', kind: 'api', scopes: ['publish'], package_pattern: 'raven-*' }),
    ]);
    expect(Date.parse(mine.body.tokens[0]?.expires_at ?? '')).toBe(Date.parse(ci.expires_at));
    // Still an API token: it cannot mint tokens after a refresh either.
    await expectSessionNeeded(await createToken(second.body.token, { name: 'x' }));
  });

  it('a session slides: a refresh gives it a fresh full lifetime', async () => {
    const user = await createUser();
    const jti = claimsOf(user.token).jti as string;
    await withDb((db) =>
      db.execute(sql`update api_tokens set expires_at = now() + interval '1 day' where id = ${jti}`),
    );
    const { status, body } = await refresh(user.token);
    expect(status).toBe(200);
    const days = (Date.parse(body.expires_at) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    expect((await me(body.token)).body.tokens.map((t) => t.kind)).toEqual(['session']);
  });
});

describe('audit trail reads', () => {
  it('need the "owners" scope and a pattern matching the package', async () => {
    const owner = await createUser('aud-tok');
    const name = packageName('aud-tok');
    await publishPackage(owner.token, name);
    const audit = (token: string) => read(api(token).packages[':name'].audit.$get({ param: { name }, query: {} }));
    expect((await audit(owner.token)).status).toBe(200);
    expect(
      (await audit((await apiToken(owner, { scopes: ['owners'], package_pattern: `${name}*` })).token)).status,
    ).toBe(200);
    expect((await audit((await apiToken(owner)).token)).status).toBe(200);
    const narrower: TokenRequest[] = [
      { scopes: ['publish', 'yank'] },
      { scopes: ['owners'], package_pattern: 'other-*' },
    ];
    for (const json of narrower) {
      expectError(await audit((await apiToken(owner, json)).token), 'permission_denied');
    }
  });
});

describe('token verification', () => {
  it('refuses alg "none"', async () => {
    const user = await createUser();
    await expect401(`rvn_${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claimsOf(user.token))}.`);
  });

  it('refuses a token signed with another secret', async () => {
    const user = await createUser();
    const forged = await new SignJWT(claimsOf(user.token))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    await expect401(`rvn_${forged}`);
  });

  it('refuses the right secret with another algorithm (pinned to HS256)', async () => {
    const user = await createUser();
    const other = await new SignJWT(claimsOf(user.token))
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new TextEncoder().encode(TEST_SECRET));
    await expect401(`rvn_${other}`);
  });

  it('refuses a wrong audience or issuer', async () => {
    const user = await createUser();
    for (const change of [{ aud: 'someone-else' }, { iss: 'someone-else' }]) {
      const token = await new SignJWT({ ...claimsOf(user.token), ...change })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(TEST_SECRET));
      await expect401(`rvn_${token}`);
    }
  });

  it('refuses an expired JWT', async () => {
    const user = await createUser();
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await new SignJWT({ ...claimsOf(user.token), exp: past })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(TEST_SECRET));
    await expect401(`rvn_${token}`);
  });

  it('refuses a token whose row has expired even if the JWT has not', async () => {
    const user = await createUser();
    const jti = claimsOf(user.token).jti as string;
    await withDb((db) =>
      db.execute(sql`update api_tokens set expires_at = now() - interval '1 second' where id = ${jti}`),
    );
    await expect401(user.token);
  });

  it('refuses garbage and malformed Authorization headers', async () => {
    await expect401('rvn_not.a.jwt');
    const { status } = await callJson('/users/me', { headers: { authorization: 'Basic abc' } });
    expect(status).toBe(401);
  });

  it('accepts the token with and without the rvn_ prefix', async () => {
    const user = await createUser();
    expect((await me(user.token.slice(4))).status).toBe(200);
  });
});
