// Who is an operator (ADMIN_USERNAMES, per request, session tokens only) and
// the operator audit log they read.
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config';
import { recordOperatorAction } from '../../src/services/operators';
import { adminCall, createOperator } from '../helpers/admin';
import { api, read } from '../helpers/api';
import { anIso, aUuid, errorBody } from '../helpers/contract';
import { withDb } from '../helpers/db';
import { createUser, unique } from '../helpers/factories';

describe('who may read the operator audit log', () => {
  it('anonymous callers get 401', async () => {
    const { status, body } = await adminCall('/admin/audit', { operators: ['nobody'] });
    expect(status).toBe(401);
    expect(body).toEqual(errorBody('authentication_required'));
  });

  it('a signed-in user who is not an operator gets 403', async () => {
    const { operators } = await createOperator();
    const stranger = await createUser('ns');
    const { status, body } = await adminCall('/admin/audit', { token: stranger.token, operators });
    expect(status).toBe(403);
    expect(body).toEqual(errorBody('permission_denied'));
    expect(body.message).toBe('Only registry operators can do this.');
  });

  it("an operator's API token is refused: operator actions need a session", async () => {
    const { operator, operators } = await createOperator();
    const made = await read(api(operator.token).users.me.tokens.$post({ json: { name: unique('t') } }));
    expect(made.status).toBe(201);
    const { status, body } = await adminCall('/admin/audit', { token: made.body.token, operators });
    expect(status).toBe(403);
    expect(body.message).toMatch(/session token/);
  });

  it('the operator list is read on every request: removing a name takes effect at once', async () => {
    const { operator, operators } = await createOperator();
    expect((await adminCall('/admin/audit', { token: operator.token, operators })).status).toBe(200);
    const others = ['someone-else', ` ${operator.username} `];
    expect((await adminCall('/admin/audit', { token: operator.token, operators: others })).status).toBe(200);
    expect((await adminCall('/admin/audit', { token: operator.token, operators: ['someone-else'] })).status).toBe(403);
    expect((await adminCall('/admin/audit', { token: operator.token })).status).toBe(403);
  });
});

describe('the operator audit log', () => {
  it('lists actions newest first with who, what, why and when, paginated', async () => {
    const { operator, operators } = await createOperator();
    const login = await read(api().auth.login.$post({ json: { email: operator.email, password: operator.password } }));
    const actor = {
      userId: operator.userId,
      username: operator.username,
      tokenId: crypto.randomUUID(),
      tokenKind: 'session' as const,
      scopes: [],
      packagePattern: null,
    };
    const first = unique('why-first');
    const second = unique('why-second');
    await withDb((db) =>
      recordOperatorAction(db, actor, {
        action: 'package.takedown',
        package: 'some-pkg',
        version: '1.0.0',
        reason: first,
      }),
    );
    await withDb((db) =>
      recordOperatorAction(db, actor, { action: 'user.suspend', username: 'mallory', reason: second }),
    );

    const { status, body } = await adminCall('/admin/audit?limit=200', { token: login.body.token, operators });
    expect(status).toBe(200);
    const mine = body.entries.filter((e: { reason: string }) => e.reason === first || e.reason === second);
    expect(mine).toEqual([
      {
        id: aUuid(),
        action: 'user.suspend',
        actor: { username: operator.username, user_id: operator.userId },
        package: '',
        version: '',
        username: 'mallory',
        name: '',
        reason: second,
        created_at: anIso(),
      },
      {
        id: aUuid(),
        action: 'package.takedown',
        actor: { username: operator.username, user_id: operator.userId },
        package: 'some-pkg',
        version: '1.0.0',
        username: '',
        name: '',
        reason: first,
        created_at: anIso(),
      },
    ]);
    const times = body.entries.map((e: { created_at: string }) => e.created_at);
    expect(times).toEqual([...times].sort().reverse());

    const pageTwo = await adminCall('/admin/audit?limit=1&offset=1', { token: operator.token, operators });
    expect(pageTwo.body).toMatchObject({ limit: 1, offset: 1 });
    expect(pageTwo.body.entries).toEqual([body.entries[1]]);
  });

  it('refuses a page size over 200', async () => {
    const { operator, operators } = await createOperator();
    const { status, body } = await adminCall('/admin/audit?limit=500', { token: operator.token, operators });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
  });
});

describe('ADMIN_USERNAMES', () => {
  const base = { DATABASE_URL: 'postgres://u:p@h/db', JWT_SECRET: 'j'.repeat(64) };
  it('accepts comma-separated usernames with spaces, and empty', () => {
    expect(checkConfig({ ...base, ADMIN_USERNAMES: 'alice, bob-2,' }).error).toBeUndefined();
    expect(checkConfig({ ...base, ADMIN_USERNAMES: '' }).error).toBeUndefined();
  });
  it('refuses a value that cannot be a username list', () => {
    expect(checkConfig({ ...base, ADMIN_USERNAMES: 'Alice;bob' }).error).toMatch(
      /^ADMIN_USERNAMES must be comma-separated lowercase usernames: set it under \[vars\]/,
    );
  });
});
