// Screenshots of every public page at 1280 and 375 px, light and dark, into
// test/browser/screenshots/ (ignored by git) for a person to look at; the
// journey file asserts behaviour. Each page is also checked for content that
// spills sideways out of a phone's screen.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { launchChromium, SCREENSHOT_DIR, VIEWPORTS } from './harness.ts';
import { CATEGORY, DEP, DEPRECATED_PKG, PKG, seedPublicSite, USER, XSS_PKG } from './public-data.ts';

const base = () => inject('registryUrl');
let browser: Browser;

beforeAll(async () => {
  await seedPublicSite(base());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const SHOTS: [name: string, path: string][] = [
  ['home', '/'],
  ['search', '/search?q=nest'],
  ['search-empty', '/search?q=zzqqxx'],
  ['package', `/packages/${PKG}`],
  ['package-versions', `/packages/${PKG}?tab=versions`],
  ['package-dependencies', `/packages/${PKG}?tab=dependencies`],
  ['package-dependents', `/packages/${DEP}?tab=dependents`],
  ['version-yanked', `/packages/${PKG}/1.1.0`],
  ['package-deprecated', `/packages/${DEPRECATED_PKG}`],
  ['package-xss', `/packages/${XSS_PKG}`],
  ['user', `/users/${USER}`],
  ['categories', '/categories'],
  ['category', `/categories/${CATEGORY}`],
  ['not-found', '/no/such/page'],
  ['docs', '/docs'],
];

/** The docs page draws its reference with a script; shoot it once drawn. */
const READY: Record<string, (page: Page) => Promise<void>> = {
  docs: (page) => page.locator('#api-viewer').getByText('Raven registry API').first().waitFor(),
};
/** The full API reference is thousands of pixels tall; its first screen says enough. */
const FIRST_SCREEN_ONLY = new Set(['docs']);

const COMBOS = Object.entries(VIEWPORTS).flatMap(([width, viewport]) =>
  (['light', 'dark'] as const).map((colorScheme) => ({ width, viewport, colorScheme })),
);
let pages: { width: string; colorScheme: string; page: Page }[];

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // One context per width and scheme, reused for every page: a context per shot
  // costs more than the shot on a busy machine.
  pages = await Promise.all(
    COMBOS.map(async ({ width, viewport, colorScheme }) => {
      const context = await browser.newContext({ viewport, colorScheme });
      // Four pages load the API reference's bundle at once; give a busy machine time.
      context.setDefaultTimeout(90_000);
      return { width, colorScheme, page: await context.newPage() };
    }),
  );
});

it.for(SHOTS)('%s is saved at both widths in both schemes and fits a phone', async ([name, path]) => {
  await Promise.all(
    pages.map(async ({ width, colorScheme, page }) => {
      await page.goto(`${base()}${path}`);
      await READY[name]?.(page);
      const file = join(SCREENSHOT_DIR, `${name}-${width}-${colorScheme}.png`);
      await page.screenshot({ path: file, fullPage: !FIRST_SCREEN_ONLY.has(name) });
    }),
  );
  const phone = pages.find((p) => p.width === 'phone')?.page as Page;
  const scrollWidth = await phone.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `${path} scrolls sideways on a ${VIEWPORTS.phone.width} px phone`).toBeLessThanOrEqual(
    VIEWPORTS.phone.width,
  );
});
