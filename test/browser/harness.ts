// The browser harness: Debian's Chromium driven by playwright-core (its own
// browser download cannot reach its servers here), axe-core for accessibility,
// and screenshots at desktop and phone widths in light and dark.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from '../../scripts/lib/stack.ts';

export const SCREENSHOT_DIR = join(ROOT, 'test', 'browser', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return chromium.launch({
    executablePath,
    // Root cannot use Chromium's sandbox; the rest keeps it off a closed network.
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Watched {
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations seen so far. */
  problems: string[];
}

/** A page that records every console error, page error and CSP violation. */
export async function watchedPage(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    // README images may point at other hosts (https only); this sandbox has no network, so
    // their failing DNS is not a page problem. Anything same-origin would be a 404 instead.
    if (msg.type() === 'error' && !msg.text().includes('net::ERR_NAME_NOT_RESOLVED')) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  // Runs through the DevTools protocol, so the page's own CSP does not block it.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
  });`);
  return { page, problems };
}

/** Zero serious or critical WCAG 2.x A/AA violations on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, `axe on ${page.url()}`).toEqual([]);
}

export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 375, height: 812 },
} as const;

/**
 * Full-page screenshots of `path` at 1280 and 375 px, light and dark, saved as
 * test/browser/screenshots/<name>-<viewport>-<scheme>.png (ignored by git).
 */
async function screenshots(browser: Browser, baseUrl: string, path: string, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ viewport, colorScheme });
      const page = await context.newPage();
      await page.goto(`${baseUrl}${path}`);
      await page.screenshot({
        path: join(SCREENSHOT_DIR, `${name}-${viewportName}-${colorScheme}.png`),
        fullPage: true,
      });
      await context.close();
    }
  }
}
