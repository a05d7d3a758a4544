// Hostile and malformed input against the account and token routes: always the
// contract's 4xx body, never a 500, and nothing written.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { call, callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { createUser } from '../helpers/factories';

const HOSTILE_STRINGS = [
  "x' OR '1'='1",
  "'; DROP TABLE users; --",
  'a\u0000b',
  'раven', // Cyrillic а: a confusable of "raven"
  'ｒａｖｅｎ', // full-width
  'x\r\nX-Injected: yes',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '\u202Eevil',
];

async function usersNamed(name: string): Promise<number> {
  // Postgres cannot even compare against a NUL; such a name cannot have been stored.
  if (name.includes('\u0000')) return 0;
  const result = await withDb((db) =>
    db.execute<{ n: number }>(sql`select count(*)::int as n from users where username = ${name}`),
  );
  return Number(result.rows[0]?.n ?? 0);
}

function expectContractError(status: number, body: any, allowed: number[]) {
  expect(allowed).toContain(status);
  expect(typeof body.error).toBe('string');
  expect(typeof body.message).toBe('string');
}

describe('hostile account input', () => {
  it.each(HOSTILE_STRINGS)('register refuses username %j and writes nothing', async (username) => {
    const { status, body } = await callJson('/auth/register', {
      json: { username, email: 'hostile@example.test', password: 'a fine passphrase' },
    });
    expectContractError(status, body, [400]);
    expect(await usersNamed(username)).toBe(0);
  });

  it.each(HOSTILE_STRINGS)('login with email %j is a clean 400/401', async (email) => {
    const { status, body } = await callJson('/auth/login', { json: { email, password: 'whatever password' } });
    expectContractError(status, body, [400, 401]);
  });

  it.each(HOSTILE_STRINGS)('a token named %j is stored verbatim or refused, never breaks anything', async (name) => {
    const user = await createUser();
    const { status, body } = await callJson('/users/me/tokens', { token: user.token, json: { name } });
    if (status === 201) {
      const me = await callJson('/users/me', { token: user.token });
      expect(me.body.tokens.map((t: any) => t.name)).toContain(name.trim());
    } else {
      expectContractError(status, body, [400]);
    }
  });

  it.each(["' OR 1=1 --", 'me', '%00', 'a'.repeat(1000)])('GET /users/%s is a clean 4xx', async (name) => {
    const res = await call(`/users/${encodeURIComponent(name)}`);
    expect([400, 401, 404]).toContain(res.status);
    expect(await res.json()).toHaveProperty('error');
  });

  it('a 1 MiB JSON body is refused with 413 before parsing', async () => {
    const { status, body } = await callJson('/auth/register', {
      json: { username: 'big', email: 'big@example.test', password: 'p'.repeat(1 << 20) },
    });
    expect(status).toBe(413);
    expect(body.error).toBe('payload_too_large');
  });

  it('10,000 scopes are refused with 400', async () => {
    const user = await createUser();
    const { status, body } = await callJson('/users/me/tokens', {
      token: user.token,
      json: { name: 'many', scopes: Array.from({ length: 10_000 }, () => 'publish') },
    });
    expect([400, 413]).toContain(status);
    expect(body).toHaveProperty('error');
  });

  it('a JSON array, string or null body is a 400', async () => {
    for (const json of [[], 'text', null, 42]) {
      const { status, body } = await callJson('/auth/login', { json });
      expectContractError(status, body, [400]);
    }
  });

  it('a CRLF-laden request id is replaced, not echoed into headers', async () => {
    const res = await call('/health', { headers: { 'x-request-id': 'abc\tdef' } });
    expect(res.headers.get('x-request-id')).not.toContain('\t');
    expect(res.headers.get('x-injected')).toBeNull();
  });
});
