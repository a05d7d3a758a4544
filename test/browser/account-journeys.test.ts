import { describe, expect, it } from 'vitest';
import {
  apiMe,
  createToken,
  journeyPages,
  otherOrigin,
  person,
  publishVersion,
  signInAt,
  signUp,
  uniqueName,
  XSS,
} from './account-helpers.ts';
import { expectAccessible, registryUrl, useChromium } from './harness.ts';

const base = registryUrl;
/** Each journey takes a dozen full-page screenshots and axe runs: minutes on a busy machine. */
const JOURNEY_TIMEOUT = 600_000;
const chromium = useChromium();
const { freshPage, check } = journeyPages(chromium);

describe('account journeys', () => {
  it(
    'register, sign in, create a token, publish with it, see the package, revoke it and the API refuses it',
    async () => {
      const { page, context, problems, dialogs } = await freshPage();
      const me = person('tok');
      await check(page, context, '/register', 'account-register');
      // A refused sign-up keeps the typed (hostile) value as text and says what is wrong beside the field.
      await page.goto(`${base()}/register`);
      await page.getByLabel('Username').fill(XSS);
      await page.getByLabel('Email').fill('not-an-email');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => page.locator('#f-username-error').textContent()).toContain('lowercase letters');
      expect(await page.locator('#f-email-error').textContent()).toContain('valid email');
      expect(await page.getByLabel('Username').inputValue()).toBe(XSS);
      await expectAccessible(page);
      // That refusal was a 400, which Chromium logs; nothing after it may log anything.
      problems.length = 0;

      await signUp(page, base(), me);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${base()}/`);
      await check(page, context, '/login', 'account-login');
      await signInAt(page, base(), me, '/account/tokens');
      await check(page, context, '', 'account-tokens-empty');

      const token = await createToken(page, base(), XSS, ['publish']);
      expect(await page.locator('#credentials-json').textContent()).toBe(
        `{"token": "${token}", "username": "${me.username}"}`,
      );
      expect(await page.locator('#ci-step').textContent()).toContain('~/.raven/credentials.json');
      await expectAccessible(page);
      await page.screenshot({
        path: `test/browser/screenshots/account-token-created-desktop-light.png`,
        fullPage: true,
      });

      const name = uniqueName('journey');
      const published = await publishVersion(base(), token, name, '1.0.0', XSS);
      expect(published.status).toBe(201);
      await page.goto(`${base()}/packages/${name}`);
      await expect.poll(() => page.getByText(XSS).count()).toBeGreaterThan(0);

      await page.goto(`${base()}/account/tokens`);
      const row = page.locator('#tokens tr', { hasText: XSS });
      expect(await row.locator('.token-name').textContent()).toBe(XSS);
      await check(page, context, '', 'account-tokens');
      expect(await apiMe(base(), token)).toBe(200);
      await row.getByRole('button', { name: /^Revoke/ }).click();
      await page.waitForURL(/done=revoked/);
      expect(await page.getByRole('status').textContent()).toContain('revoked');
      expect(await apiMe(base(), token)).toBe(401);

      await check(page, context, '/account', 'account-overview');
      await check(page, context, '/account/sessions', 'account-sessions');
      await check(page, context, '/account/password', 'account-password');
      expect(dialogs).toEqual([]);
      expect(problems).toEqual([]);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'owner A invites B, B accepts in another browser and yanks a version, the public page marks it, A removes B',
    async () => {
      const a = await freshPage();
      const b = await freshPage();
      const alice = person('owner-a');
      const bob = person('maint-b');
      await signUp(a.page, base(), alice);
      await signUp(b.page, base(), bob);
      const token = await createToken(a.page, base(), 'publish from tests', ['publish']);
      const name = uniqueName('shared');
      for (const v of ['1.0.0', '1.1.0']) expect((await publishVersion(base(), token, name, v)).status).toBe(201);

      await a.page.goto(`${base()}/packages/${name}/settings`);
      await check(a.page, a.context, '', 'settings-members');
      await a.page.getByLabel('Username').fill(bob.username);
      await a.page.getByLabel('Role', { exact: true }).selectOption('maintainer');
      await a.page.getByRole('button', { name: 'Invite' }).click();
      await a.page.waitForURL(/done=invited/);
      expect(await a.page.locator('#pending-invitations').textContent()).toContain(bob.username);

      await check(b.page, b.context, '/account/invitations', 'account-invitations');
      await b.page.getByRole('button', { name: `Accept the invitation to ${name}` }).click();
      await b.page.waitForURL(/done=accepted/);
      await b.page.goto(`${base()}/packages/${name}/settings`);
      expect(await b.page.getByText('You are a maintainer').count()).toBe(1);
      await b.page.getByRole('link', { name: 'Yank 1.1.0' }).click();
      await check(b.page, b.context, '', 'settings-confirm-yank');
      await b.page.getByRole('button', { name: 'Yank 1.1.0' }).click();
      await b.page.waitForURL(/done=yanked/);

      await b.page.goto(`${base()}/packages/${name}/1.1.0`);
      expect(await b.page.locator('#yanked-banner').count()).toBe(1);

      await a.page.goto(`${base()}/packages/${name}/settings`);
      await a.page.getByRole('button', { name: `Remove ${bob.username}` }).click();
      await a.page.waitForURL(/done=removed/);
      const gone = await b.page.goto(`${base()}/packages/${name}/settings`);
      expect(gone?.status()).toBe(403);
      await check(b.page, b.context, '', 'account-forbidden');
      // The last owner is explained, not just refused.
      await a.page.getByRole('button', { name: `Remove ${alice.username}` }).click();
      expect(await a.page.getByRole('alert').textContent()).toContain('without an owner');
      // Exactly the two refusals above, each a 403 the browser logs: nothing else.
      const refused = ['console: Failed to load resource: the server responded with a status of 403 (Forbidden)'];
      expect(a.problems).toEqual(refused);
      expect(b.problems).toEqual(refused);
      expect([...a.dialogs, ...b.dialogs]).toEqual([]);
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'deprecate and undeprecate; add a webhook and see its delivery after a publish; read the audit log',
    async () => {
      const { page, context, problems, dialogs } = await freshPage();
      const hooks = await otherOrigin();
      try {
        const me = person('dep');
        await signUp(page, base(), me);
        const token = await createToken(page, base(), 'ci', ['publish']);
        const name = uniqueName('dep');
        await publishVersion(base(), token, name, '1.0.0');

        await page.goto(`${base()}/packages/${name}/settings`);
        await page.getByLabel('Deprecation message').fill(XSS);
        await page.getByRole('button', { name: 'Deprecate' }).click();
        await page.waitForURL(/done=deprecated/);
        expect(await page.locator('#deprecation-message').textContent()).toBe(XSS);
        await check(page, context, '', 'settings-deprecated');
        await page.goto(`${base()}/packages/${name}`);
        expect(await page.getByText(XSS).count()).toBeGreaterThan(0);
        await page.goto(`${base()}/packages/${name}/settings`);
        await page.getByRole('button', { name: 'Undeprecate' }).click();
        await page.waitForURL(/done=undeprecated/);
        expect(await page.locator('#deprecation-message').count()).toBe(0);

        await page.goto(`${base()}/packages/${name}/settings/webhooks`);
        const hookUrl = `${hooks.url}/hook/${name}?x=${encodeURIComponent(XSS)}`;
        await page.getByLabel('URL').fill(hookUrl);
        await page.getByRole('button', { name: 'Add webhook' }).click();
        expect(await page.locator('#webhook-secret').textContent()).toMatch(/.{20,}/);
        await expectAccessible(page);
        await page.goto(`${base()}/packages/${name}/settings/webhooks`);
        expect(await page.locator('.webhook-url').textContent()).toBe(new URL(hookUrl).href);
        await check(page, context, '', 'settings-webhooks');

        await publishVersion(base(), token, name, '1.1.0');
        await expect.poll(() => hooks.hits(`/hook/${name}`), { timeout: 30_000 }).toBeGreaterThan(0);
        await page.getByRole('link', { name: 'Recent deliveries' }).click();
        await expect
          .poll(
            async () => {
              await page.reload();
              return page.locator('#deliveries').textContent();
            },
            { timeout: 30_000 },
          )
          .toContain('HTTP 200');
        expect(await page.locator('#deliveries').textContent()).toContain('package.published 1.1.0');
        await check(page, context, '', 'settings-deliveries');

        await page.getByRole('button', { name: 'Redeliver package.published 1.1.0' }).click();
        await page.waitForURL(/done=redelivered/);
        await expect.poll(() => hooks.hits(`/hook/${name}`), { timeout: 30_000 }).toBeGreaterThan(1);

        await page.goto(`${base()}/packages/${name}/settings/webhooks`);
        await page.getByRole('button', { name: /^Pause the webhook/ }).click();
        await page.waitForURL(/done=paused/);
        expect(await page.locator('#webhooks .badge').textContent()).toBe('paused');
        await page.getByRole('button', { name: /^Resume the webhook/ }).click();
        await page.waitForURL(/done=resumed/);
        await page.getByRole('button', { name: /^Delete the webhook/ }).click();
        await page.waitForURL(/done=webhook-deleted/);
        expect(await page.locator('#webhooks').count()).toBe(0);

        await page.goto(`${base()}/packages/${name}/settings/audit`);
        const actions = await page.locator('#audit tbody tr td:nth-child(3)').allTextContents();
        expect(actions.slice(0, 7)).toEqual([
          'webhook.delete',
          'webhook.resume',
          'webhook.pause',
          'webhook.redeliver',
          'publish 1.1.0',
          'webhook.create',
          'undeprecate',
        ]);
        await check(page, context, '', 'settings-audit');
        expect(dialogs).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await hooks.close();
      }
    },
    JOURNEY_TIMEOUT,
  );
});
