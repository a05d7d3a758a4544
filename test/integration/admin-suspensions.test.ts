// Operators' suspensions: who may suspend, and what it does — sign-in refused
// with the reason (API and website), every token and session revoked at once,
// refresh refused, packages still readable — and that unsuspending lets the
// user sign in again while the old tokens stay dead.
import { beforeAll, describe, expect, it } from 'vitest';
import { adminCall, createOperator } from '../helpers/admin';
import { api, read } from '../helpers/api';
import { get, post, signIn } from '../helpers/browser-session';
import { BASE, callJson } from '../helpers/client';
import { anIso, errorBody } from '../helpers/contract';
import { createUser, type TestUser, unique } from '../helpers/factories';
import { acceptInvitation, invite } from '../helpers/owners';
import { packageName, publishPackage } from '../helpers/packages';

let operator: TestUser;
let operators: string[];

beforeAll(async () => {
  ({ operator, operators } = await createOperator());
});

const suspend = (username: string, reason: string, token = operator.token, ops = operators) =>
  adminCall(`/admin/users/${username}/suspend`, { method: 'POST', token, json: { reason }, operators: ops });
const unsuspend = (username: string) =>
  adminCall(`/admin/users/${username}/unsuspend`, { method: 'POST', token: operator.token, json: {}, operators });
const login = (user: TestUser) =>
  read(api().auth.login.$post({ json: { email: user.email, password: user.password } }));
const me = (token: string) => callJson('/users/me', { token });

describe('who may suspend a user', () => {
  it('only an operator with a session token', async () => {
    const target = await createUser('sut');
    const apiToken = await read(api(operator.token).users.me.tokens.$post({ json: { name: unique('t') } }));
    const anonymous = await adminCall(`/admin/users/${target.username}/suspend`, {
      method: 'POST',
      json: { reason: 'spam' },
      operators,
    });
    expect(anonymous.status).toBe(401);
    const stranger = await createUser('sus');
    for (const token of [stranger.token, apiToken.body.token]) {
      const refused = await suspend(target.username, 'spam', token);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual(errorBody('permission_denied'));
    }
    expect((await me(target.token)).status).toBe(200);
  });

  it('refuses an operator suspending themselves, an unknown user, and a missing reason', async () => {
    expect((await suspend(operator.username, 'oops')).body.message).toBe('Operators cannot suspend themselves.');
    expect((await suspend('no-such-user-here', 'spam')).status).toBe(404);
    expect((await suspend(operator.username, '')).status).toBe(400);
  });
});

describe('a suspended user', () => {
  it('loses every token and session at once, cannot sign in or refresh, and their packages stay readable', async () => {
    const user = await createUser('sub');
    const name = packageName('sup');
    await publishPackage(user.token, name);
    const apiToken = (await read(api(user.token).users.me.tokens.$post({ json: { name: unique('t') } }))).body.token;
    const browser = await signIn(user);
    const reason = `Spam run ${unique('r')}`;

    const done = await suspend(user.username, reason);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({
      username: user.username,
      suspended: true,
      reason,
      suspended_at: anIso(),
      tokens_revoked: 3,
    });

    for (const token of [user.token, apiToken]) {
      const refused = await me(token);
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual(errorBody('authentication_required'));
    }
    expect((await read(api(user.token).auth.refresh.$post())).status).toBe(401);
    // The browser's session is gone too: /account sends it to sign in.
    const account = await get(browser, '/account');
    expect(account.status).toBe(303);
    expect(account.headers.get('location')).toMatch(/^\/login/);

    const denied = await login(user);
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual(
      errorBody('permission_denied', { message: `This account is suspended by the registry operators: ${reason}` }),
    );
    // A wrong password still gets the uniform 401: the suspension is told only to the account's holder.
    const wrong = await read(api().auth.login.$post({ json: { email: user.email, password: 'not-the-password' } }));
    expect(wrong.status).toBe(401);
    const page = await post({ cookie: '', base: BASE }, '/login', { email: user.email, password: user.password });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain(reason);

    expect((await callJson(`/packages/${name}`)).status).toBe(200);
    expect((await callJson(`/packages/${name}/1.0.0/download`)).status).toBe(200);
    expect((await callJson(`/users/${user.username}`)).body.packages.map((p: { name: string }) => p.name)).toEqual([
      name,
    ]);

    const audit = await adminCall('/admin/audit?limit=200', { token: operator.token, operators });
    expect(audit.body.entries.find((e: { username: string }) => e.username === user.username)).toMatchObject({
      action: 'user.suspend',
      reason,
    });
  });

  it('can sign in again once unsuspended; tokens from before stay revoked', async () => {
    const user = await createUser('suu');
    await suspend(user.username, 'mistake');
    const back = await unsuspend(user.username);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ username: user.username, suspended: false });
    const again = await login(user);
    expect(again.status).toBe(200);
    expect((await me(again.body.token)).status).toBe(200);
    expect((await me(user.token)).status).toBe(401);
  });

  it('a suspended operator can do nothing as an operator', async () => {
    const second = await createUser('sop');
    const both = [...operators, second.username];
    const session = (await login(second)).body.token;
    expect((await adminCall('/admin/audit', { token: session, operators: both })).status).toBe(200);
    expect((await suspend(second.username, 'compromised account', operator.token, both)).status).toBe(200);
    expect((await adminCall('/admin/audit', { token: session, operators: both })).status).toBe(401);
    expect((await login(second)).status).toBe(403);
    await unsuspend(second.username);
  });
});

describe("a suspended owner's invitations", () => {
  it('are cancelled with the suspension: an invitee cannot become an owner through them afterwards', async () => {
    const suspect = await createUser('suinv');
    const accomplice = await createUser('suacc');
    const name = packageName('suinv');
    await publishPackage(suspect.token, name, '1.0.0');
    const invited = await invite(suspect.token, name, accomplice.username, 'owner');
    expect(invited.status).toBe(202);

    expect((await suspend(suspect.username, 'Publishing malware.')).status).toBe(200);
    const accepted = await acceptInvitation(accomplice.token, invited.body.invitation_id);
    expect(accepted.status).toBe(404);
    const owners = await callJson(`/packages/${name}/owners`);
    expect(owners.body.owners.map((o: { username: string }) => o.username)).toEqual([suspect.username]);
  });
});
