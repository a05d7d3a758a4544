import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { createUser, unique } from '../helpers/factories';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const newUsername = () => unique('r').slice(0, 32).replace(/-+$/, '');

describe('POST /auth/register', () => {
  it('creates the account and returns a prefixed token', async () => {
    const username = newUsername();
    const email = `${username}@Example.test`;
    const { status, body } = await callJson('/auth/register', {
      json: { username, email, password: 'a sturdy passphrase' },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ username, email });
    expect(body.user_id).toMatch(/^[0-9a-f-]{36}$/);
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
    const sameName = await callJson('/auth/register', {
      json: { username: user.username, email: `other-${user.email}`, password: 'another passphrase' },
    });
    expect(sameName.status).toBe(409);
    expect(sameName.body).toMatchObject({ error: 'conflict', details: { field: 'username' } });
    const sameEmail = await callJson('/auth/register', {
      json: { username: newUsername(), email: user.email.toUpperCase(), password: 'another passphrase' },
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body).toMatchObject({ error: 'conflict', details: { field: 'email' } });
  });

  it('two concurrent registrations of one name give one 201 and one 409, never a 500', async () => {
    const username = newUsername();
    const attempts = await Promise.all(
      [1, 2, 3].map((i) =>
        callJson('/auth/register', {
          json: { username, email: `${username}-${i}@x.test`, password: 'racing passphrase' },
        }),
      ),
    );
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
  });
});

describe('POST /auth/login', () => {
  it('returns a token, its expiry and the user, with a case-insensitive email', async () => {
    const user = await createUser();
    const { status, body } = await callJson('/auth/login', {
      json: { email: user.email.toUpperCase(), password: user.password },
    });
    expect(status).toBe(200);
    expect(body.token).toMatch(/^rvn_/);
    expect(body.expires_at).toMatch(ISO);
    const days = (Date.parse(body.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    expect(body.user).toEqual({ user_id: user.userId, username: user.username, email: user.email });
    const me = await callJson('/users/me', { token: body.token });
    expect(me.status).toBe(200);
  });

  it('gives the same 401 for a wrong password and an unknown email', async () => {
    const user = await createUser();
    const wrong = await callJson('/auth/login', { json: { email: user.email, password: 'not the password' } });
    const unknown = await callJson('/auth/login', { json: { email: `nobody-${user.email}`, password: 'whatever123' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toEqual({ error: 'authentication_required', message: 'Invalid email or password.' });
  });

  it('spends Argon2 time on an unknown email too (no fast path that reveals accounts)', async () => {
    // Only a lower bound: slower machines can only make this pass more easily.
    const started = Date.now();
    const { status } = await callJson('/auth/login', {
      json: { email: `${unique('ghost')}@x.test`, password: 'x1y2z3w4' },
    });
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
    const { status, body } = await callJson('/auth/refresh', { method: 'POST', token: user.token });
    expect(status).toBe(200);
    expect(body.token).toMatch(/^rvn_/);
    expect(body.token).not.toBe(user.token);
    expect(body.expires_at).toMatch(ISO);
    expect((await callJson('/users/me', { token: body.token })).status).toBe(200);
    const old = await callJson('/users/me', { token: user.token });
    expect(old.status).toBe(401);
    expect(old.body.error).toBe('authentication_required');
  });

  it('401s without a token', async () => {
    const { status, body } = await callJson('/auth/refresh', { method: 'POST' });
    expect(status).toBe(401);
    expect(body.error).toBe('authentication_required');
  });
});
