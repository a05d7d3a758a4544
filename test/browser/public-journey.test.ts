// The public website in headless Chromium against `npm run dev`: a reader's
// walk by mouse and by keyboard alone, every page checked by axe and watched
// for console errors and CSP violations, the site without JavaScript, the copy
// button, and a README full of XSS payloads that must stay inert.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, launchChromium, type Watched, watchedPage } from './harness.ts';
import { CATEGORY, DEP, DEPRECATED_PKG, DEPRECATION, PKG, seedPublicSite, USER, XSS_PKG } from './public-data.ts';

const base = () => inject('registryUrl');
let browser: Browser;

beforeAll(async () => {
  await seedPublicSite(base());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** Every page a reader can reach, with what its <h1> says. */
const PAGES: { path: string; heading: RegExp; status?: number }[] = [
  { path: '/', heading: /Raven package registry/ },
  { path: '/search?q=nest', heading: /Results for “nest”/ },
  { path: '/search?q=zzqqxx', heading: /Results for “zzqqxx”/ },
  { path: '/search', heading: /Search packages/ },
  { path: `/packages/${PKG}`, heading: new RegExp(PKG) },
  { path: `/packages/${PKG}?tab=versions`, heading: new RegExp(PKG) },
  { path: `/packages/${PKG}?tab=dependencies`, heading: new RegExp(PKG) },
  { path: `/packages/${DEP}?tab=dependents`, heading: new RegExp(DEP) },
  { path: `/packages/${PKG}/1.0.0`, heading: new RegExp(PKG) },
  { path: `/packages/${PKG}/1.1.0`, heading: new RegExp(PKG) },
  { path: `/packages/${PKG}/2.0.0-beta.1`, heading: new RegExp(PKG) },
  { path: `/packages/${DEPRECATED_PKG}`, heading: new RegExp(DEPRECATED_PKG) },
  { path: `/packages/${XSS_PKG}`, heading: new RegExp(XSS_PKG) },
  { path: `/users/${USER}`, heading: new RegExp(USER) },
  { path: '/categories', heading: /Categories/ },
  { path: `/categories/${CATEGORY}`, heading: new RegExp(CATEGORY, 'i') },
  { path: '/no/such/page', heading: /couldn't find/, status: 404 },
  { path: '/packages/no-such-package', heading: /couldn't find/, status: 404 },
  { path: '/docs', heading: /API reference/ },
];

/** Called once the page has loaded; Playwright waits for the <h1> itself. */
async function expectHeading(page: Page, heading: RegExp | string): Promise<void> {
  expect(await page.locator('h1').first().textContent()).toMatch(heading);
}

describe('every page', () => {
  let context: BrowserContext;
  let watched: Watched;
  beforeAll(async () => {
    context = await browser.newContext();
    context.setDefaultTimeout(90_000); // the API reference's bundle is large for a busy machine
    watched = await watchedPage(context);
  });
  afterAll(() => context?.close());

  // One test per page, so a slow machine's time budget and a failure are both per page.
  it.for(PAGES)('$path answers, passes axe and logs no error or CSP violation', async ({ path, heading, status }) => {
    const { page, problems } = watched;
    problems.splice(0);
    const res = await page.goto(`${base()}${path}`, { waitUntil: 'load' });
    expect(res?.status(), path).toBe(status ?? 200);
    await expectHeading(page, heading);
    if (path === '/docs') await scalarDrawn(page);
    await expectAccessible(page);
    // Chromium logs a 404 document's own status as a console error; that one is the point of the page.
    expect(
      problems.filter((p) => !(status === 404 && /status of 404/.test(p))),
      path,
    ).toEqual([]);
  });
});

/** Scalar has fetched the OpenAPI document and drawn it. */
async function scalarDrawn(page: Page): Promise<void> {
  await page.locator('#api-viewer').getByText('Raven registry API').first().waitFor();
}

describe('a reader with a mouse', () => {
  it('walks home → search → package → version → dependency → user → category by clicking', async () => {
    const context = await browser.newContext();
    const { page, problems } = await watchedPage(context);
    await page.goto(base());
    await page.getByRole('searchbox', { name: 'Search packages' }).fill(PKG);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/search\?q=nestling/);
    expect(await page.locator('#result-count').textContent()).toMatch(/found/);

    await page
      .locator('a.name', { hasText: new RegExp(`^${PKG}$`) })
      .first()
      .click();
    await page.waitForURL(new RegExp(`/packages/${PKG}$`));
    await expectHeading(page, PKG);
    expect(await page.locator('#install-command').textContent()).toBe(`raven pkg add ${PKG}@^1.0.0`);

    await page.getByRole('link', { name: /^Versions/ }).click();
    await page.waitForURL(/tab=versions/);
    const versions = await page.locator('#versions tbody tr').allTextContents();
    expect(versions.find((row) => row.includes('1.1.0'))).toMatch(/yanked/);
    expect(versions.find((row) => row.includes('2.0.0-beta.1'))).toMatch(/pre-release/);

    await page.locator('#versions').getByRole('link', { name: '1.0.0', exact: true }).click();
    await page.waitForURL(new RegExp(`/packages/${PKG}/1\\.0\\.0$`));
    expect(await page.title()).toBe(`${PKG} 1.0.0 · Raven`);

    await page.getByRole('link', { name: /^Dependencies/ }).click();
    await page.waitForURL(/tab=dependencies/);
    expect(await page.locator('#dev-dependencies').textContent()).toContain('raven-forms');
    await page.locator('#dependencies').getByRole('link', { name: DEP }).click();
    await page.waitForURL(new RegExp(`/packages/${DEP}$`));
    await expectHeading(page, DEP);

    await page.locator('#published-by').click();
    await page.waitForURL(new RegExp(`/users/${USER}$`));
    await expectHeading(page, USER);
    expect(await page.locator('main').textContent()).toContain(PKG);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Categories' }).click();
    await page.waitForURL(/\/categories$/);
    await page
      .locator('main')
      .getByRole('link', { name: new RegExp(`^${CATEGORY}\\b`) })
      .first()
      .click();
    await page.waitForURL(new RegExp(`/categories/${CATEGORY}$`));
    expect(await page.locator('main').textContent()).toContain(PKG);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('sees the deprecation and yank banners', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base()}/packages/${DEPRECATED_PKG}`);
    expect(await page.locator('#deprecated-banner').textContent()).toContain(DEPRECATION);
    await page.goto(`${base()}/packages/${PKG}/1.1.0`);
    expect(await page.locator('#yanked-banner').textContent()).toMatch(/has been yanked/);
    await context.close();
  });
});

/** Presses Tab until the focused element matches, then checks the focus ring is drawn. */
async function tabTo(page: Page, selector: string, text?: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const hit = await page.evaluate(
      ([sel, want]) => {
        const el = document.activeElement;
        return !!el?.matches(sel) && (want === undefined || el.textContent?.trim() === want);
      },
      [selector, text] as const,
    );
    if (hit) {
      const ring = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement as Element);
        return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
      });
      expect(ring.style, `focus ring on ${selector} ${text ?? ''}`).not.toBe('none');
      expect(ring.width).toBeGreaterThanOrEqual(2);
      return;
    }
  }
  throw new Error(`Tab never reached ${selector} ${text ?? ''} on ${page.url()}`);
}

describe('a reader with only a keyboard', () => {
  it('makes the same walk with Tab and Enter, seeing where focus is at every step', async () => {
    const context = await browser.newContext();
    const { page, problems } = await watchedPage(context);
    await page.goto(base());
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    expect(await page.locator('.skip-link').isVisible()).toBe(true);

    await tabTo(page, '#home-q');
    await page.keyboard.type(PKG);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=nestling/);

    const steps: [string, string | undefined, RegExp][] = [
      ['main a.name', PKG, new RegExp(`/packages/${PKG}$`)],
      ['.tabs a', `Versions (4)`, /tab=versions/],
      ['#versions a', '1.0.0', new RegExp(`/packages/${PKG}/1\\.0\\.0$`)],
      ['.tabs a', 'Dependencies (2)', /tab=dependencies/],
      ['#dependencies a', DEP, new RegExp(`/packages/${DEP}$`)],
      ['#published-by', USER, new RegExp(`/users/${USER}$`)],
      ['.site-nav a', 'Categories', /\/categories$/],
      [`a[href="/categories/${CATEGORY}"]`, undefined, new RegExp(`/categories/${CATEGORY}$`)],
    ];
    for (const [selector, text, url] of steps) {
      await tabTo(page, selector, text);
      await page.keyboard.press('Enter');
      await page.waitForURL(url);
    }
    expect(await page.locator('main').textContent()).toContain(PKG);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('without JavaScript', () => {
  let context: BrowserContext;
  afterAll(() => context?.close());

  it('still searches with the form, follows links and shows the install line', async () => {
    context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(base());
    await page.locator('#home-q').fill(DEP);
    await page.locator('#home-q').press('Enter');
    await page.waitForURL(/\/search\?q=nest-core/);
    await page
      .locator('a.name', { hasText: new RegExp(`^${DEP}$`) })
      .first()
      .click();
    await page.waitForURL(new RegExp(`/packages/${DEP}$`));
    expect(await page.locator('#install-command').textContent()).toBe(`raven pkg add ${DEP}@^1.1.0`);
    // The copy button needs the script, so without it the button stays hidden.
    expect(await page.locator('button[data-copy]').isVisible()).toBe(false);
    await page.getByRole('link', { name: /^Dependents/ }).click();
    await page.waitForURL(/tab=dependents/);
    await page.locator('#tab-panel a.name', { hasText: PKG }).click();
    await page.waitForURL(new RegExp(`/packages/${PKG}$`));
    await page.locator('#header-q').fill('zzqqxx');
    await page.locator('#header-q').press('Enter');
    await page.waitForURL(/q=zzqqxx/);
    expect(await page.locator('#no-results').textContent()).toContain('No packages match');
  });
});

describe('with JavaScript', () => {
  it('the copy button puts the install line on the clipboard', async () => {
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const { page, problems } = await watchedPage(context);
    await page.goto(`${base()}/packages/${PKG}`);
    const button = page.locator('button[data-copy]');
    await button.click();
    await expect.poll(() => button.textContent(), { timeout: 10_000 }).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`raven pkg add ${PKG}@^1.0.0`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a README carrying XSS payloads runs none of them', async () => {
    const context = await browser.newContext();
    const { page, problems } = await watchedPage(context);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${base()}/packages/${XSS_PKG}`, { waitUntil: 'load' });
    // Hover and click what a reader might touch, in case a handler survived.
    for (const link of await page.locator('#tab-panel a, #tab-panel span, #tab-panel details').all()) {
      await link.hover().catch(() => {});
    }
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    const inPanel = await page.evaluate(() => {
      const panel = document.getElementById('tab-panel');
      const all = [...(panel?.querySelectorAll('*') ?? [])];
      return {
        dangerous: all.filter((el) => /^(script|style|iframe|object|embed|form)$/i.test(el.tagName)).length,
        handlers: all.filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
        badLinks: all.filter((el) => /^\s*(javascript|data|vbscript):/i.test(el.getAttribute('href') ?? '')).length,
      };
    });
    expect(inPanel).toEqual({ dangerous: 0, handlers: 0, badLinks: 0 });
    expect(problems).toEqual([]);
    await context.close();
  });
});
