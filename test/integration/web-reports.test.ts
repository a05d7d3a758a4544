// Reports on the website: the package page's "Report" link, the signed-in
// form (CSRF, field errors), and the operators' page of open reports with its
// close and takedown forms - each through the API's services.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { removePackageCounters } from '../../src/services/counters';
import { adminCall, createOperator } from '../helpers/admin';
import { type Browser, csrfOf, get, post, signedInUser, signIn, submit } from '../helpers/browser-session';
import { BASE, call } from '../helpers/client';
import { withDb } from '../helpers/db';
import { packageName, publishPackage } from '../helpers/packages';
import { getPage } from '../helpers/web';

async function publishedPackage() {
  const { user, browser } = await signedInUser('wr');
  const name = packageName('wr');
  await publishPackage(user.token, name, '1.0.0');
  return { owner: user, browser, name };
}

/** An operator's page request: ADMIN_USERNAMES only exists for this call. */
function asOperator(browser: Browser, operators: string[], path: string, form?: Record<string, string>) {
  const headers: Record<string, string> = { cookie: browser.cookie, accept: 'text/html' };
  if (!form) return adminCall(`site:${path}`, { headers, operators });
  return adminCall(`site:${path}`, {
    method: 'POST',
    headers: { ...headers, origin: BASE },
    body: new URLSearchParams(form),
    operators,
  });
}

describe('reporting from the website', () => {
  it('links every package page to a signed-in report form that files the report', async () => {
    const { name } = await publishedPackage();
    const page = await getPage(`/packages/${name}`);
    expect(page.html).toContain(`href="/packages/${name}/report?version=1.0.0"`);

    const anonymous = await get(null, `/packages/${name}/report?version=1.0.0`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe(
      `/login?next=${encodeURIComponent(`/packages/${name}/report?version=1.0.0`)}`,
    );

    const { browser } = await signedInUser('wrr');
    const form = await (await get(browser, `/packages/${name}/report?version=1.0.0`)).text();
    expect(form).toContain('<option value="1.0.0" selected="">1.0.0</option>');
    const filed = await submit(browser, `/packages/${name}/report`, {
      version: '1.0.0',
      kind: 'malware',
      text: 'Reads ~/.ssh',
    });
    expect(filed.status).toBe(201);
    expect(await filed.text()).toContain(`Your report about ${name} was sent`);

    const { operator, operators } = await createOperator();
    const listed = await adminCall('/admin/reports?limit=200', { token: operator.token, operators });
    expect(listed.body.reports).toContainEqual(
      expect.objectContaining({ package: name, version: '1.0.0', kind: 'malware', text: 'Reads ~/.ssh' }),
    );
  });

  it('shows field errors, and refuses a form without the CSRF token', async () => {
    const { name } = await publishedPackage();
    const { browser } = await signedInUser('wre');
    const missing = await submit(browser, `/packages/${name}/report`, { text: '' });
    expect(missing.status).toBe(400);
    const html = await missing.text();
    expect(html).toContain('Choose what is wrong.');
    expect(html).toContain('Describe the problem in 1 to 5000 characters.');
    const forged = await post(browser, `/packages/${name}/report`, { kind: 'spam', text: 'x' });
    expect(forged.status).toBe(403);
    expect((await get(browser, `/packages/${name}-nope/report`)).status).toBe(404);
  });
});

describe("the operators' reports page", () => {
  it('is for operators only', async () => {
    const { browser } = await signedInUser('wrn');
    expect((await get(browser, '/admin/reports')).status).toBe(403);
    expect((await get(null, '/admin/reports')).status).toBe(303);
  });

  it('lists open reports beside close and takedown forms that work', async () => {
    const { name } = await publishedPackage();
    const { browser: reporter } = await signedInUser('wrp');
    for (const text of ['first', 'second']) {
      await submit(reporter, `/packages/${name}/report`, { version: '1.0.0', kind: 'malware', text });
    }
    const { operator, operators } = await createOperator();
    const browser = await signIn(operator);
    const page = await asOperator(browser, operators, '/admin/reports');
    expect(page.status).toBe(200);
    // Oldest first, one section per report; other tests' reports are there too.
    const mine = page.text
      .split('<section class="report"')
      .filter((section) => section.includes(`>${name} 1.0.0</a>`))
      .map((section) => /\/admin\/reports\/([0-9a-f-]{36})\/close/.exec(section)![1]!);
    expect(mine).toHaveLength(2);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;

    const taken = await asOperator(browser, operators, `/admin/reports/${mine[0]}/takedown`, {
      csrf,
      reason: 'Malware: reads SSH keys.',
    });
    expect(taken.status).toBe(303);
    expect(taken.res.headers.get('location')).toBe('/admin/reports?done=taken_down');
    expect(taken.purged).toEqual([[`pkg:${name}`, `pkg:${name}@1.0.0`]]);
    expect((await call(`/packages/${name}/1.0.0/download`)).status).toBe(451);

    const closed = await asOperator(browser, operators, `/admin/reports/${mine[0]}/close`, {
      csrf,
      resolution: 'Taken down.',
    });
    expect(closed.status).toBe(303);
    const after = await asOperator(browser, operators, '/admin/reports?done=closed');
    expect(after.text).toContain('The report was closed.');
    expect(after.text).not.toContain(`/admin/reports/${mine[0]}/close`);
    expect(after.text).toContain(`/admin/reports/${mine[1]}/close`);

    const noCsrf = await asOperator(browser, operators, `/admin/reports/${mine[1]}/close`, { resolution: 'x' });
    expect(noCsrf.status).toBe(403);
    expect(await csrfOf(browser)).toBe(csrf);
  });

  it("refuses a report's takedown when the package it named was deleted and its name since taken by someone else", async () => {
    const { owner, name } = await publishedPackage();
    const { browser: reporter } = await signedInUser('wrd');
    await submit(reporter, `/packages/${name}/report`, { kind: 'malware', text: 'Steals tokens' });
    // Its owner cannot delete it while the report is open (409); the package goes some other way
    // (here straight from the database), and a stranger publishes an unrelated one under the free name.
    expect((await adminCall(`/packages/${name}/delete`, { method: 'POST', token: owner.token, json: {} })).status).toBe(
      409,
    );
    await withDb(async (db) => {
      const { rows } = await db.execute<{ id: string }>(sql`select id from packages where name = ${name}`);
      await removePackageCounters(db, rows[0]!.id); // the registry's counters stay exact
      await db.execute(sql`delete from packages where name = ${name}`);
    });
    const { operator, operators } = await createOperator();
    const { user: newcomer } = await signedInUser('wrn');
    await publishPackage(newcomer.token, name, '2.0.0');

    const browser = await signIn(operator);
    const page = await asOperator(browser, operators, '/admin/reports');
    const id = page.text
      .split('<section class="report"')
      .filter((section) => section.includes(`>${name}</a>`))
      .map((section) => /\/admin\/reports\/([0-9a-f-]{36})\/close/.exec(section)![1]!)[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const taken = await asOperator(browser, operators, `/admin/reports/${id}/takedown`, { csrf, reason: 'Malware.' });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('deleted');
    expect(taken.purged).toEqual([]);
    expect((await call(`/packages/${name}/2.0.0/download`)).status).toBe(200);
  });
});
