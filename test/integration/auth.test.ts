import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { api, read } from '../helpers/api';
import { callJson } from '../helpers/client';
import { errorBody, ISO, UUID } from '../helpers/contract';
import { withDb } from '../helpers/db';
import { createUser, unique } from '../helpers/factories';

const newUsername = () => unique('r').slice(0, 32).replace(/-+$/, '');

describe('POST /auth/register', () => {
  it('creates the account and returns a prefixed token', async () => {
    const username = newUsername();
    const email = `${username}@Example.test`;
    const { status, body } = await read(
      api().auth.register.$post({ json: { username, email, password: 'a sturdy passphrase' } }),
    );
    expect(status).toBe(201);
    expect(body).toMatchObject({ username, email });
    expect(body.user_id).toMatch(UUID);
    expect(body.created_at).toMatch(ISO);
    expect(body.token).toMatch(/^rvn_[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('stores an Argon2id PHC hash at OWASP minimum cost, never the password', async () => {
    const user = await createUser();
    const [row] = await withDb((db) =>
      db.execute<{ password_hash: string }>(sql`select password_hash from users where id = ${user.userId}`),
    ).then((r) => r.rows);
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(row?.password_hash).not.toContain(user.password);
  });

  it.each([
    ['missing fields', {}, ['username', 'email', 'password']],
    ['uppercase username', { username: 'Ada', email: 'a@b.test', password: 'long enough pw' }, ['username']],
    ['underscore username', { username: 'a_b', email: 'a@b.test', password: 'long enough pw' }, ['username']],
    ['33-char username', { username: 'a'.repeat(33), email: 'a@b.test', password: 'long enough pw' }, ['username']],
    ['reserved username', { username: 'me', email: 'a@b.test', password: 'long enough pw' }, ['username']],
    ['bad email', { username: 'okname', email: 'not-an-email', password: 'long enough pw' }, ['email']],
    ['short password', { username: 'okname', email: 'a@b.test', password: 'short' }, ['password']],
    ['common password', { username: 'okname', email: 'a@b.test', password: 'password123' }, ['password']],
    ['repetitive password', { username: 'okname', email: 'a@b.test', password: 'aaaaaaaaaaaa' }, ['password']],
    ['wrong types', { username: 42, email: true, password: ['x'] }, ['username', 'email', 'password']],
    [
      'oversized strings',
      { username: 'x'.repeat(10_000), email: `${'e'.repeat(300)}@b.test`, password: 'long enough pw' },
      ['username', 'email'],
    ],
  ])('rejects %s with 400 naming the fields', async (_label, json, fields) => {
    const { status, body } = await callJson('/auth/register', { json });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
    expect(typeof body.message).toBe('string');
    expect(Object.keys(body.details.fields)).toEqual(expect.arrayContaining(fields));
  });

  it('refuses a taken username and a taken email (case-insensitively) with 409', async () => {
    const user = await createUser();
    const sameName = await read(
      api().auth.register.$post({
        json: { username: user.username, email: `other-${user.email}`, password: 'another passphrase' },
      }),
    );
    expect(sameName.status).toBe(409);
    expect(sameName.body).toMatchObject({ error: 'conflict', details: { field: 'username' } });
    const sameEmail = await read(
      api().auth.register.$post({
        json: { username: newUsername(), email: user.email.toUpperCase(), password: 'another passphrase' },
      }),
    );
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body).toMatchObject({ error: 'conflict', details: { field: 'email' } });
  });

  it('two concurrent registrations of one name give one 201 and one 409, never a 500', async () => {
    const username = newUsername();
    const attempts = await Promise.all(
      [1, 2, 3].map((i) =>
        read(
          api().auth.register.$post({
            json: { username, email: `${username}-${i}@x.test`, password: 'racing passphrase' },
          }),
        ),
      ),
    );
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
  });
});

describe('POST /auth/login', () => {
  it('returns a token, its expiry and the user, with a case-insensitive email', async () => {
    const user = await createUser();
    const { status, body } = await read(
      api().auth.login.$post({ json: { email: user.email.toUpperCase(), password: user.password } }),
    );
    expect(status).toBe(200);
    expect(body.token).toMatch(/^rvn_/);
    expect(body.expires_at).toMatch(ISO);
    const days = (Date.parse(body.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    expect(body.user).toEqual({ user_id: user.userId, username: user.username, email: user.email });
    const me = await read(api(body.token).users.me.$get());
    expect(me.status).toBe(200);
  });

  it('gives the same 401 for a wrong password and an unknown email', async () => {
    const user = await createUser();
    const login = (email: string, password: string) => read(api().auth.login.$post({ json: { email, password } }));
    const wrong = await login(user.email, 'not the password');
    const unknown = await login(`nobody-${user.email}`, 'whatever123');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toEqual(errorBody('authentication_required', { message: 'Invalid email or password.' }));
  });

  it('spends Argon2 time on an unknown email too (no fast path that reveals accounts)', async () => {
    // Only a lower bound: slower machines can only make this pass more easily.
    const started = Date.now();
    const { status } = await read(
      api().auth.login.$post({ json: { email: `${unique('ghost')}@x.test`, password: 'x1y2z3w4' } }),
    );
    expect(status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('400s on a missing password', async () => {
    const { status, body } = await callJson('/auth/login', { json: { email: 'a@b.test' } });
    expect(status).toBe(400);
    expect(Object.keys(body.details.fields)).toContain('password');
  });
});

describe('POST /auth/refresh', () => {
  it('issues a fresh token and revokes the presented one', async () => {
    const user = await createUser();
    const { status, body } = await read(api(user.token).auth.refresh.$post());
    expect(status).toBe(200);
    expect(body.token).toMatch(/^rvn_/);
    expect(body.token).not.toBe(user.token);
    expect(body.expires_at).toMatch(ISO);
    expect((await read(api(body.token).users.me.$get())).status).toBe(200);
    const old = await read(api(user.token).users.me.$get());
    expect(old.status).toBe(401);
    expect(old.body.error).toBe('authentication_required');
  });
});
