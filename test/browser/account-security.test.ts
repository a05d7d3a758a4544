// The session's defences in a real Chromium: cookie attributes, sign-out
// killing the row, and forms refused (with nothing changed) when they come
// from another origin or carry a missing or stale CSRF token.
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiMe, createToken, otherOrigin, person, signInAt, signUp } from './account-helpers.ts';
import { expectAccessible, registryUrl, useChromium, watchedPage } from './harness.ts';

const base = registryUrl;
const chromium = useChromium();

async function signedIn(prefix: string): Promise<{ page: Page; context: BrowserContext }> {
  const context = await chromium.newContext();
  context.setDefaultTimeout(30_000);
  const { page } = await watchedPage(context);
  await signUp(page, base(), person(prefix));
  return { page, context };
}

const sessionCookie = async (context: BrowserContext) =>
  (await context.cookies(base())).find((c) => c.name === 'raven_session');

const tokenNames = async (page: Page) => {
  await page.goto(`${base()}/account/tokens`);
  return page.locator('#tokens .token-name').allTextContents();
};

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Lax, Path=/, lasts 14 days, and is not readable by scripts', async () => {
    const { page, context } = await signedIn('cookie');
    const cookie = await sessionCookie(context);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    // Loopback HTTP is the one place Secure is skipped (and __Host- needs Secure).
    expect(cookie?.secure).toBe(false);
    const days = (cookie!.expires * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThan(14.1);
    expect(await page.evaluate<string>('document.cookie')).not.toContain('raven_session');
    expect(page.url()).not.toContain(cookie!.value);
  });

  it('signing out invalidates the session row: the same cookie value is refused afterwards', async () => {
    const { page, context } = await signedIn('signout');
    const value = (await sessionCookie(context))!.value;
    expect(await apiMe(base(), value)).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base()}/`);
    expect(await sessionCookie(context)).toBeUndefined();
    expect(await apiMe(base(), value)).toBe(401);
    // Putting the old value back does not sign anyone in.
    await context.addCookies([{ name: 'raven_session', value, url: base() }]);
    await page.goto(`${base()}/account`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});

describe('CSRF', () => {
  it('refuses a form posted from another origin and changes nothing', async () => {
    const { page } = await signedIn('xsite');
    const evil = await otherOrigin();
    try {
      const before = await tokenNames(page);
      // The page there submits itself to the registry: a real cross-origin form POST.
      await page.goto(`${evil.url}/?target=${encodeURIComponent(`${base()}/account/tokens`)}`);
      await page.waitForURL(`${base()}/account/tokens`);
      expect(await page.locator('h1').textContent()).toBe('That request was refused');
      await expectAccessible(page);
      expect(await tokenNames(page)).toEqual(before);
      // Sign-out posted from elsewhere does not sign out either.
      await page.goto(`${evil.url}/?target=${encodeURIComponent(`${base()}/logout`)}`);
      await page.waitForURL(`${base()}/logout`);
      expect(await page.locator('h1').textContent()).toBe('That request was refused');
      await page.goto(`${base()}/account`);
      expect(new URL(page.url()).pathname).toBe('/account');
    } finally {
      await evil.close();
    }
  });

  it('refuses a form whose token is missing or belongs to an earlier session', async () => {
    const context = await chromium.newContext();
    const { page } = await watchedPage(context);
    const me = person('stale');
    await signUp(page, base(), me);
    await page.goto(`${base()}/account/tokens`);
    const stale = await page.locator('input[name="csrf"]').first().inputValue();

    await page.getByLabel('Name', { exact: true }).fill('no-token');
    await page.locator('form[action="/account/tokens"] input[name="csrf"]').evaluate((el) => el.remove());
    await page.getByRole('button', { name: 'Create token' }).click();
    expect(await page.locator('h1').textContent()).toBe('That request was refused');

    await page.goto(`${base()}/account`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base()}/`);
    await signInAt(page, base(), me, '/account/tokens');
    await page.getByLabel('Name', { exact: true }).fill('stale-token');
    await page
      .locator('form[action="/account/tokens"] input[name="csrf"]')
      .evaluate((el, value) => el.setAttribute('value', value), stale);
    await page.getByRole('button', { name: 'Create token' }).click();
    expect(await page.locator('h1').textContent()).toBe('That request was refused');
    expect(await tokenNames(page)).toEqual([]);
    // The real form still works.
    await createToken(page, base(), 'fine');
    expect(await tokenNames(page)).toEqual(['fine']);
  });
});
