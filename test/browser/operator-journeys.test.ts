// The operators' half in a real Chromium against `npm run dev`: a signed-in
// person reports a package through its page, an operator (the stack's
// ADMIN_USERNAMES) takes it down from the open reports, the public pages and
// downloads say it was removed, and a restore brings it back. Every page is
// checked with axe, for console errors and CSP violations, and screenshotted.
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import {
  createToken,
  journeyPages,
  type Person,
  person,
  publishVersion,
  signedInScreenshots,
  signUp,
  uniqueName,
  XSS,
} from './account-helpers.ts';
import { expectAccessible, useChromium } from './harness.ts';

const provided = (key: string) => (inject as unknown as (key: string) => string)(key);
const base = () => provided('registryUrl');
/** A dozen full-page screenshots and axe runs: minutes on a busy machine. */
const JOURNEY_TIMEOUT = 600_000;
const chromium = useChromium();
const { freshPage, check } = journeyPages(chromium);

/** Sends the report form with only spaces as its text: the browser lets it through, the server refuses it. */
async function sendBlankReport(page: Page) {
  await page.getByLabel(/Malware:/).check();
  await page.getByLabel('Details').fill('   ');
  await page.getByRole('button', { name: 'Send the report' }).click();
  await page.locator('#f-text-error').waitFor();
}

async function sendReport(page: Page, kind: RegExp, text: string) {
  await page.getByLabel(kind).check();
  await page.getByLabel('Details').fill(text);
  await page.getByRole('button', { name: 'Send the report' }).click();
  expect(await page.getByRole('status').textContent()).toContain('was sent to the registry’s operators');
}

async function download(name: string, version: string) {
  const res = await fetch(`${base()}/api/v1/packages/${name}/${version}/download`);
  return { status: res.status, body: res.status === 200 ? null : await res.json() };
}

async function operatorApi(who: Person, path: string, body: unknown): Promise<number> {
  const login = await fetch(`${base()}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  const { token } = (await login.json()) as { token: string };
  const res = await fetch(`${base()}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return res.status;
}

describe('operator journeys', () => {
  it(
    'a user reports a package, an operator takes a version and then the package down from the open reports, the pages and downloads say why, a restore brings it back',
    async () => {
      const reporter = await freshPage();
      const ops = await freshPage();
      const visitor = await freshPage();
      const rita = person('reporter');
      const opsName = provided('operatorUsername');
      const operator: Person = {
        username: opsName,
        email: `${opsName}@example.test`,
        password: `pw-${crypto.randomUUID()}`,
      };

      await signUp(reporter.page, base(), rita);
      const token = await createToken(reporter.page, base(), 'publish', ['publish']);
      const name = uniqueName('reported');
      for (const v of ['1.0.0', '1.1.0']) expect((await publishVersion(base(), token, name, v)).status).toBe(201);

      // The package page's Report link opens the form with the shown version chosen.
      await reporter.page.goto(`${base()}/packages/${name}`);
      await reporter.page.locator('#report-link').click();
      await reporter.page.waitForURL(`${base()}/packages/${name}/report?version=1.1.0`);
      expect(await reporter.page.getByLabel('Version').inputValue()).toBe('1.1.0');
      await check(reporter.page, reporter.context, '', 'report-form');

      // Blank text: refused beside the field, the chosen kind kept.
      await sendBlankReport(reporter.page);
      expect(await reporter.page.locator('#f-text-error').textContent()).toContain('Describe the problem');
      expect(await reporter.page.getByLabel('Details').getAttribute('aria-invalid')).toBe('true');
      expect(await reporter.page.getByLabel(/Malware:/).isChecked()).toBe(true);
      expect(await reporter.page.getByLabel('Version').inputValue()).toBe('1.1.0');
      await expectAccessible(reporter.page);
      await signedInScreenshots(
        chromium.browser,
        reporter.context,
        reporter.page.url(),
        'report-form-error',
        sendBlankReport,
      );
      // That refusal was a 400, which Chromium logs; nothing after it may log anything.
      reporter.problems.length = 0;

      await sendReport(reporter.page, /Spam:/, `1.1.0 only advertises a casino. ${XSS}`);
      await reporter.page.goto(`${base()}/packages/${name}/report`);
      expect(await reporter.page.getByLabel('Version').inputValue()).toBe('');
      await sendReport(reporter.page, /Malware:/, 'src/lib.raven sends ~/.ssh to a remote host on install.');
      // Not an operator: the queue is refused.
      expect((await reporter.page.goto(`${base()}/admin/reports`))?.status()).toBe(403);

      await signUp(ops.page, base(), operator);
      await ops.page.goto(`${base()}/admin/reports`);
      const versionReport = ops.page.locator('section.report', {
        has: ops.page.getByRole('heading', { name: `${name} 1.1.0: spam` }),
      });
      const packageReport = ops.page.locator('section.report', {
        has: ops.page.getByRole('heading', { name: `${name}: malware` }),
      });
      expect(await versionReport.locator('.report-text').textContent()).toContain(XSS);
      expect(await packageReport.locator('.report-text').textContent()).toContain('~/.ssh');
      await check(ops.page, ops.context, '', 'admin-reports');

      const spamReason = 'Spam: an advertisement, not a package.';
      await versionReport.getByLabel(/^Takedown reason/).fill(spamReason);
      await versionReport.getByRole('button', { name: `Take down ${name} 1.1.0` }).click();
      await ops.page.waitForURL(/done=taken_down/);
      expect(await ops.page.getByRole('status').textContent()).toContain('Taken down');

      const versionPage = await visitor.page.goto(`${base()}/packages/${name}/1.1.0`);
      expect(versionPage?.status()).toBe(451);
      expect(await visitor.page.locator('h1').textContent()).toBe(`${name} 1.1.0 was removed`);
      expect(await visitor.page.locator('#removed-reason').textContent()).toContain(spamReason);
      await check(visitor.page, visitor.context, '', 'removed-version');
      expect(await download(name, '1.1.0')).toEqual({
        status: 451,
        body: expect.objectContaining({ error: 'taken_down', message: expect.stringContaining(spamReason) }),
      });
      expect((await download(name, '1.0.0')).status).toBe(200);
      // Fetched, not visited: browsers may keep a public package page for a minute (Cache-Control max-age=60).
      expect((await fetch(`${base()}/packages/${name}`)).status).toBe(200);

      const malwareReason = 'Malware: it reads SSH keys on install.';
      // Off the ?done=taken_down address first, so the wait below waits for this takedown's redirect.
      await ops.page.goto(`${base()}/admin/reports`);
      await packageReport.getByLabel(/^Takedown reason/).fill(malwareReason);
      await packageReport.getByRole('button', { name: `Take down ${name}`, exact: true }).click();
      await ops.page.waitForURL(/done=taken_down/);
      const packagePage = await visitor.page.goto(`${base()}/packages/${name}`);
      expect(packagePage?.status()).toBe(451);
      expect(await visitor.page.locator('h1').textContent()).toBe(`${name} was removed`);
      expect(await visitor.page.locator('#removed-reason').textContent()).toContain(malwareReason);
      await check(visitor.page, visitor.context, '', 'removed-package');
      expect(await download(name, '1.0.0')).toEqual({
        status: 451,
        body: expect.objectContaining({ error: 'taken_down', message: expect.stringContaining(malwareReason) }),
      });

      // Closing a report takes it off the queue.
      await versionReport.getByLabel('Resolution').fill('Taken down.');
      await versionReport.getByRole('button', { name: 'Close the report' }).click();
      await ops.page.waitForURL(/done=closed/);
      expect(await versionReport.count()).toBe(0);
      expect(await packageReport.count()).toBe(1);

      expect(await operatorApi(operator, `/admin/packages/${name}/restore`, {})).toBe(200);
      expect(await operatorApi(operator, `/admin/packages/${name}/restore`, { version: '1.1.0' })).toBe(200);
      expect((await visitor.page.goto(`${base()}/packages/${name}`))?.status()).toBe(200);
      expect(await visitor.page.locator('h1').textContent()).toContain(name);
      expect((await visitor.page.goto(`${base()}/packages/${name}/1.1.0`))?.status()).toBe(200);
      expect((await download(name, '1.1.0')).status).toBe(200);

      const refused = (status: string) =>
        `console: Failed to load resource: the server responded with a status of ${status}`;
      expect(reporter.problems).toEqual([refused('403 (Forbidden)')]);
      expect(ops.problems).toEqual([]);
      expect(visitor.problems).toEqual([
        refused('451 (Unavailable For Legal Reasons)'),
        refused('451 (Unavailable For Legal Reasons)'),
      ]);
      expect([...reporter.dialogs, ...ops.dialogs, ...visitor.dialogs]).toEqual([]);
    },
    JOURNEY_TIMEOUT,
  );
});
