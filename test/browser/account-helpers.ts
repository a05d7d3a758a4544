// What the account journeys share: signing up and in through the real forms,
// publishing with a token the way the CLI does, a second origin for the
// cross-site tests that also receives webhooks, and signed-in screenshots.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { publish } from '../../scripts/lib/raven-client.ts';
import { expectAccessible, registryUrl, SCREENSHOT_DIR, type useChromium, VIEWPORTS, watchedPage } from './harness.ts';

/** Shown as text wherever it lands; a dialog means it ran. */
export const XSS = `<img src=x onerror="alert('xss')"><script>alert("xss")</script>`;

let seq = 0;
export function uniqueName(prefix: string): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}${seq}`.slice(0, 32);
}

/** Fails the test on any JavaScript dialog: an injected payload ran. */
function noDialogs(page: Page): string[] {
  const seen: string[] = [];
  page.on('dialog', async (dialog) => {
    seen.push(dialog.message());
    await dialog.dismiss();
  });
  return seen;
}

export interface Person {
  username: string;
  email: string;
  password: string;
}

export const person = (prefix: string): Person => {
  const username = uniqueName(prefix);
  return { username, email: `${username}@example.test`, password: `pw-${crypto.randomUUID()}` };
};

/** Through the sign-up form; lands on the account page signed in. */
export async function signUp(page: Page, base: string, who: Person): Promise<void> {
  await page.goto(`${base}/register`);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${base}/account`);
}

export async function signInAt(page: Page, base: string, who: Person, next = '/account'): Promise<void> {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}${next}`);
}

/** Through the token form; returns the token read off the shown-once page. */
export async function createToken(page: Page, base: string, name: string, scopes: string[] = []): Promise<string> {
  await page.goto(`${base}/account/tokens`);
  await page.getByLabel('Name', { exact: true }).fill(name);
  for (const scope of scopes) await page.getByRole('checkbox', { name: new RegExp(`^${scope}\\b`) }).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.locator('#new-token-value').textContent();
  expect(token).toMatch(/^rvn_/);
  return token!;
}

async function tarball(name: string, version: string, description: string): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const file = (path: string, text: string) => {
    const body = enc.encode(text);
    return { header: { name: path, size: body.byteLength, type: 'file' as const, mode: 0o644 }, body };
  };
  const toml = `[package]\nname = "${name}"\nversion = "${version}"\nauthors = ["Test <t@example.test>"]\nlicense = "MIT"\ndescription = ${JSON.stringify(description)}\n`;
  return gzipSync(await packTar([file('raven.toml', toml), file('src/lib.raven', `// ${name} ${version}\n`)]));
}

export async function publishVersion(base: string, token: string, name: string, version: string, description = '') {
  return publish(`${base}/api/v1`, token, await tarball(name, version, description || `${name} for tests`));
}

export async function apiMe(base: string, token: string): Promise<number> {
  return (await fetch(`${base}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } })).status;
}

/**
 * Another origin (same host, another port): serves pages that post forms to
 * the registry, and records webhook deliveries sent to /hook/*.
 */
export async function otherOrigin(): Promise<{ url: string; hits: (path: string) => number; close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'POST' && path.startsWith('/hook/')) {
      hits.set(path, (hits.get(path) ?? 0) + 1);
      req.resume();
      res.writeHead(200).end('ok');
      return;
    }
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? '';
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>Win a prize</title>
      <form id="f" method="post" action="${target.replaceAll('"', '&quot;')}">
        <input name="name" value="planted-by-evil"><input name="expires_in_days" value="30">
      </form>
      <script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: (path) => hits.get(path) ?? 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Full-page screenshots of a signed-in page at 1280 and 375 px, light and dark;
 * `prepare` brings each fresh page into the state to show (e.g. a refused form).
 */
export async function signedInScreenshots(
  browser: Browser,
  context: BrowserContext,
  url: string,
  name: string,
  prepare?: (page: Page) => Promise<void>,
) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const storageState = await context.storageState();
  for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const shot = await browser.newContext({ viewport, colorScheme, storageState });
      const page = await shot.newPage();
      await page.goto(url);
      await prepare?.(page);
      await page.screenshot({
        path: join(SCREENSHOT_DIR, `${name}-${viewportName}-${colorScheme}.png`),
        fullPage: true,
      });
      await shot.close();
    }
  }
}

/**
 * The journeys' two steps: a fresh signed-out page at desktop size (closed with
 * the file's browser), and a visit that runs axe and takes the four screenshots.
 */
export function journeyPages(chromium: ReturnType<typeof useChromium>) {
  return {
    async freshPage(): Promise<{ page: Page; context: BrowserContext; problems: string[]; dialogs: string[] }> {
      const context = await chromium.newContext({ viewport: { width: 1280, height: 900 } });
      // A missing element fails in seconds with its name, not at the test's timeout.
      context.setDefaultTimeout(30_000);
      const { page, problems } = await watchedPage(context);
      return { page, context, problems, dialogs: noDialogs(page) };
    },
    /** Visits `path` (or stays on the page when it is empty), checks axe and takes the four screenshots. */
    async check(page: Page, context: BrowserContext, path: string, name: string): Promise<void> {
      if (path) await page.goto(`${registryUrl()}${path}`);
      await expectAccessible(page);
      await signedInScreenshots(chromium.browser, context, page.url(), name);
    },
  };
}
