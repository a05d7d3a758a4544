// Reports: any signed-in user files one (rate limited per user); only
// operators, with a session token, list, read and close them.
import { describe, expect, it } from 'vitest';
import { adminCall, createOperator } from '../helpers/admin';
import { api, expectReply } from '../helpers/api';
import { callJson } from '../helpers/client';
import { anIso, aUuid, errorBody } from '../helpers/contract';
import { createUser, type TestUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';

const file = (token: string | undefined, name: string, json: Record<string, unknown>) =>
  callJson(`/packages/${name}/reports`, { method: 'POST', token, json });

async function reportedPackage() {
  const owner = await createUser('rpo');
  const name = packageName('rp');
  await publishPackage(owner.token, name, '1.0.0');
  return { owner, name };
}

async function apiToken(user: TestUser) {
  const { body } = await expectReply(api(user.token).users.me.tokens.$post({ json: { name: 'ci' } }), 201);
  return body.token;
}

describe('filing a report', () => {
  it('takes a report about a package or a version from any signed-in user, API tokens included', async () => {
    const { name } = await reportedPackage();
    const reporter = await createUser('rpr');
    const whole = await file(reporter.token, name, { kind: 'squatting', text: 'Holds a name.\r\nNo code.' });
    expect(whole.status).toBe(201);
    expect(whole.body).toEqual({ report_id: aUuid() });
    const one = await file(await apiToken(reporter), name, { version: '1.0.0', kind: 'malware', text: 'Steals keys' });
    expect(one.status).toBe(201);

    const { operator, operators } = await createOperator();
    const read = await adminCall(`/admin/reports/${whole.body.report_id}`, { token: operator.token, operators });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      report_id: whole.body.report_id,
      package: name,
      version: '',
      kind: 'squatting',
      text: 'Holds a name.\nNo code.',
      reporter: { username: reporter.username, user_id: reporter.userId },
      status: 'open',
      resolution: '',
      closed_by: '',
      created_at: anIso(),
      closed_at: '',
    });
  });

  it('refuses anonymous callers, unknown packages and versions, unknown kinds and unreadable text', async () => {
    const { name } = await reportedPackage();
    const user = await createUser('rpbad');
    expect((await file(undefined, name, { kind: 'spam', text: 'x' })).status).toBe(401);
    expect((await file(user.token, `${name}-nope`, { kind: 'spam', text: 'x' })).status).toBe(404);
    expect((await file(user.token, name, { version: '9.9.9', kind: 'spam', text: 'x' })).status).toBe(404);
    for (const [json, field] of [
      [{ kind: 'name-squatting', text: 'x' }, 'kind'],
      [{ kind: 'spam', text: '   ' }, 'text'],
      [{ kind: 'spam', text: 'a\u001b[2Jb' }, 'text'],
      [{ kind: 'spam', text: 'x'.repeat(5001) }, 'text'],
      [{ kind: 'spam' }, 'text'],
    ] as const) {
      const res = await file(user.token, name, json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(Object.keys(res.body.details.fields)).toContain(field);
    }
  });

  it('refuses a suspended user', async () => {
    const { name } = await reportedPackage();
    const user = await createUser('rps');
    const { operator, operators } = await createOperator();
    const suspend = { method: 'POST', token: operator.token, operators, json: { reason: 'Abuse.' } };
    expect((await adminCall(`/admin/users/${user.username}/suspend`, suspend)).status).toBe(200);
    expect((await file(user.token, name, { kind: 'spam', text: 'x' })).status).toBe(401);
  });

  it('is rate limited per user', async () => {
    const { name } = await reportedPackage();
    const [noisy, other] = [await createUser('rpn'), await createUser('rpq')];
    const vars = { RATE_LIMIT_REPORTS_PER_HOUR: '2' };
    const json = { kind: 'spam', text: 'again' };
    const send = (user: TestUser) =>
      adminCall(`/packages/${name}/reports`, { method: 'POST', token: user.token, json, vars });
    expect((await send(noisy)).status).toBe(201);
    expect((await send(noisy)).status).toBe(201);
    const third = await send(noisy);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: 'rate_limit_exceeded', retry_after: expect.any(Number) });
    expect(third.res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await send(other)).status).toBe(201);
  });
});

describe('operators and reports', () => {
  it('only operators with a session token list or read reports', async () => {
    const { name } = await reportedPackage();
    const reporter = await createUser('rpw');
    const { body } = await file(reporter.token, name, { kind: 'other', text: 'hm' });
    const { operator, operators } = await createOperator();
    for (const path of ['/admin/reports', `/admin/reports/${body.report_id}`]) {
      expect((await adminCall(path, { operators })).status).toBe(401);
      const asReporter = await adminCall(path, { token: reporter.token, operators });
      expect(asReporter.status).toBe(403);
      expect(asReporter.body).toEqual(errorBody('permission_denied'));
      expect((await adminCall(path, { token: await apiToken(operator), operators })).status).toBe(403);
      expect((await adminCall(path, { token: operator.token, operators })).status).toBe(200);
    }
    const close = { method: 'POST', json: { resolution: 'nothing wrong' } };
    const path = `/admin/reports/${body.report_id}/close`;
    expect((await adminCall(path, { ...close, token: reporter.token, operators })).status).toBe(403);
  });

  it('lists open reports oldest first, closes one with a resolution, and logs who closed it', async () => {
    const { name } = await reportedPackage();
    const reporter = await createUser('rpl');
    const first = (await file(reporter.token, name, { kind: 'stolen', text: 'copied from x' })).body.report_id;
    const second = (await file(reporter.token, name, { kind: 'spam', text: 'ads' })).body.report_id;
    const { operator, operators } = await createOperator();
    const as = { token: operator.token, operators };
    const ids = async (status: string) => {
      const res = await adminCall(`/admin/reports?status=${status}&limit=200`, as);
      expect(res.status).toBe(200);
      return (res.body.reports as { report_id: string }[])
        .map((r) => r.report_id)
        .filter((id) => [first, second].includes(id));
    };
    expect(await ids('open')).toEqual([first, second]);

    const closed = await adminCall(`/admin/reports/${first}/close`, {
      ...as,
      method: 'POST',
      json: { resolution: 'Taken down.' },
    });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      report_id: first,
      status: 'closed',
      resolution: 'Taken down.',
      closed_by: operator.username,
      closed_at: anIso(),
    });
    expect(await ids('open')).toEqual([second]);
    expect(await ids('closed')).toEqual([first]);
    expect(await ids('all')).toEqual([first, second]);

    const again = await adminCall(`/admin/reports/${first}/close`, {
      ...as,
      method: 'POST',
      json: { resolution: 'x' },
    });
    expect(again.status).toBe(409);
    const audit = await adminCall('/admin/audit', as);
    expect(audit.body.entries[0]).toMatchObject({
      action: 'report.close',
      actor: { username: operator.username },
      package: name,
      reason: 'Taken down.',
    });

    for (const id of [crypto.randomUUID(), 'not-a-uuid']) {
      expect((await adminCall(`/admin/reports/${id}`, as)).status).toBe(404);
      const res = await adminCall(`/admin/reports/${id}/close`, { ...as, method: 'POST', json: { resolution: 'x' } });
      expect(res.status).toBe(404);
    }
    expect((await adminCall(`/admin/reports/${second}/close`, { ...as, method: 'POST', json: {} })).status).toBe(400);
    expect((await adminCall('/admin/reports?status=pending', as)).status).toBe(400);
  });
});
