import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
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

/** The registry under test (typed by hand: the e2e setup's ProvidedContext augmentation does not reach this config). */
export const registryUrl = () => (inject as unknown as (key: string) => string)('registryUrl');

/**
 * One Chromium for the calling test file: launched before its tests, closed
 * after them with every context made through `newContext`.
 */
export function useChromium() {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error('useChromium: the browser starts in beforeAll');
      return browser;
    },
    async newContext(options?: BrowserContextOptions): Promise<BrowserContext> {
      const context = await this.browser.newContext(options);
      contexts.push(context);
      return context;
    },
  };
}
