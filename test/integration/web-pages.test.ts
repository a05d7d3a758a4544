import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { ASSET_URLS } from '../../src/generated/assets';
import { packagePage } from '../../src/services/web-pages';
import { BASE, callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { countDbFetches, httpReadsEnabled } from '../helpers/db-fetches';
import { createUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';
import { realisticRegistry, seedRegistry, seedToken } from '../helpers/seed';
import { expectSecurityHeaders, getPage, titleOf } from '../helpers/web';

const token = seedToken();
const n = (base: string) => `${base}-${token}`;
const README = '<h2 id="hello">Hello from the stored README</h2><p>Rendered <strong>once</strong> at publish.</p>';
const PAGE_CACHE = /^public, max-age=\d+, s-maxage=\d+, stale-while-revalidate=\d+$/;

beforeAll(async () => {
  await seedRegistry(token, realisticRegistry(token));
  await withDb(async (db) => {
    await db.execute(sql`update packages set readme_html = ${README} where name = ${n('raven-store')}`);
    await db.execute(sql`
      update versions set readme_html = '<p>The old 0.9 README.</p>'
      where version = '0.9.0' and package_id = (select id from packages where name = ${n('raven-i18n')})`);
  });
});

const cacheTags = (res: Response) => (res.headers.get('cache-tag') ?? '').split(',');

describe('home page', () => {
  it('shows the search box, totals, the four lists and the categories, cacheable and tagged', async () => {
    const { status, html, res } = await getPage('/');
    expect(status).toBe(200);
    expect(titleOf(html)).toBe('Raven package registry');
    expectSecurityHeaders(res, expect);
    expect(res.headers.get('cache-control')).toMatch(PAGE_CACHE);
    expect(cacheTags(res)).toContain('pkgs');
    expect(html).toContain('<search><form class="search-form" action="/search" method="get">');
    for (const id of ['totals', 'new-packages', 'recently-updated', 'most-downloaded', 'trending']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain('href="/categories/http"');
    // The seeded kitchen-sink out-downloads everything this file seeds.
    expect(html).toContain(`href="/packages/${n('kitchen-sink')}"`);
    expect(cacheTags(res)).toContain(`pkg:${n('kitchen-sink')}`);
    // Landmarks, the skip link and the slot the account half fills.
    for (const mark of ['<header', '<main id="main"', '<footer', 'class="skip-link" href="#main"', 'id="account"']) {
      expect(html).toContain(mark);
    }
  });

  it('links only same-origin, content-hashed assets (no CDN, no inline script or style)', async () => {
    const { html } = await getPage('/');
    expect(html).toContain(`href="${ASSET_URLS['site.css']}"`);
    expect(ASSET_URLS['site.css']).toMatch(/^\/static\/site\.[0-9a-f]{12}\.css$/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(html).not.toMatch(/<style|style="/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe('search page', () => {
  it('lists the API ranking with name, version, description, keywords and downloads', async () => {
    const { status, html, res } = await getPage(`/search?q=${encodeURIComponent(`forms validation ${token}`)}`);
    expect(status).toBe(200);
    expect(titleOf(html)).toBe(`Search: forms validation ${token} · Raven`);
    expectSecurityHeaders(res, expect);
    const api = await callJson(`/search?q=${encodeURIComponent(`forms validation ${token}`)}&limit=20`);
    const order = api.body.results.map((r: { name: string }) => r.name) as string[];
    expect(order.length).toBeGreaterThan(1);
    const positions = order.map((name) => html.indexOf(`href="/packages/${name}"`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(html).toContain('Powerful form handling and validation library for RavensOne');
    expect(html).toContain(`href="/search?q=${token}"`); // the token is every seeded package's keyword
    expect(cacheTags(res)).toEqual(expect.arrayContaining(['pkgs', ...order.map((name) => `pkg:${name}`)]));
  });

  it('paginates twenty to a page with working next and previous links', async () => {
    const first = await getPage(`/search?q=${token}`);
    const total = Number(/([\d,]+) packages found/.exec(first.html)?.[1]?.replace(',', ''));
    expect(total).toBeGreaterThan(20);
    expect(first.html).toContain(`href="/search?q=${token}&amp;page=2" rel="next"`);
    const second = await getPage(`/search?q=${token}&page=2`);
    expect(second.status).toBe(200);
    expect(second.html).toContain(`href="/search?q=${token}&amp;page=1" rel="prev"`);
    expect(second.html).toContain('Page 2 of');
  });

  it('answers a query with no match with a helpful empty state, and a bad page number with page 1', async () => {
    const { status, html } = await getPage(`/search?q=qqxxzzy${token}&page=abc`);
    expect(status).toBe(200);
    expect(html).toContain('id="no-results"');
    expect(html).toContain('No packages match');
    expect(html).toContain('href="/categories"');
    const blank = await getPage('/search?q=');
    expect(blank.status).toBe(200);
    expect(blank.html).toContain('Type a package name');
  });

  it('draws from the same per-IP search bucket as the API, and answers past it with a 429 page', async () => {
    const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;
    const vars = { RATE_LIMIT_SEARCH_PER_HOUR: '2' };
    const page = (path: string) => sendAs(ip, BASE + path, vars, 'text/html');
    expect((await page(`/search?q=${token}`)).status).toBe(200);
    expect((await sendAs(ip, `${BASE}/api/v1/search?q=${token}`, vars)).status).toBe(200);
    // The bucket is spent: the page and the API both refuse, and the blank page costs nothing.
    const refused = await page(`/search?q=${token}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('cache-control')).toBe('private, no-store');
    expectSecurityHeaders(refused, expect);
    const html = await refused.text();
    expect(titleOf(html)).toBe('Too many searches · Raven');
    expect(html).toContain('the limit is 2 per hour');
    expect((await sendAs(ip, `${BASE}/api/v1/search?q=${token}`, vars)).status).toBe(429);
    expect((await page('/search?q=')).status).toBe(200);
    expect((await page(`/packages/${n('raven-store')}`)).status).toBe(200);
  });
});

/** A request from one client IP, with vars set for it alone (the app reads limits from the env it is given). */
async function sendAs(ip: string, url: string, vars: Record<string, string>, accept = 'application/json') {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request(url, { headers: { 'cf-connecting-ip': ip, accept } }),
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe('package page', () => {
  it('inserts the stored README HTML as is and shows install line, metadata, owners and chart', async () => {
    const name = n('raven-store');
    const { status, html, res } = await getPage(`/packages/${name}`);
    expect(status).toBe(200);
    expect(titleOf(html)).toBe(`${name} · Raven`);
    expectSecurityHeaders(res, expect);
    expect(res.headers.get('cache-control')).toMatch(PAGE_CACHE);
    expect(cacheTags(res)).toContain(`pkg:${name}`);
    expect(html).toContain(`<article class="readme" id="readme">${README}</article>`);
    expect(html).toContain(`<code id="install-command">raven pkg add <span class="spec">${name}@^1.0.0</span></code>`);
    expect(html).toContain(`data-copy="raven pkg add ${name}@^1.0.0"`);
    expect(html).toContain(`src="${ASSET_URLS['copy.js']}"`);
    expect(html).toContain('Advanced state management library for RavensOne applications');
    expect(html).toContain(`href="/users/seed-${token}"`);
    expect(html).toContain('sha256:0000');
    expect(html).toContain('1.0 KiB');
    // 40 a day for the last 60 days, all inside the 90-day window.
    expect(html).toContain('2,400 downloads in the last 90 days');
    expect(html.match(/<rect class="bar"/g)).toHaveLength(90);
  });

  it('shows a plain no-README state when readme_html is null', async () => {
    const { html } = await getPage(`/packages/${n('raven-http')}`);
    expect(html).toContain('id="no-readme"');
    expect(html).not.toContain('id="readme"');
  });

  it('renders any version with its own README, and marks yanked and pre-release versions in the list', async () => {
    const old = await getPage(`/packages/${n('raven-i18n')}/0.9.0`);
    expect(old.status).toBe(200);
    expect(titleOf(old.html)).toBe(`${n('raven-i18n')} 0.9.0 · Raven`);
    expect(old.html).toContain('<p>The old 0.9 README.</p>');
    expect(old.html).toContain(`raven pkg add ${n('raven-i18n')}@^0.9.0`);

    const ghost = await getPage(`/packages/${n('forms-ghost')}/0.1.0`);
    expect(ghost.status).toBe(200);
    expect(ghost.html).toContain('id="yanked-banner"');
    const list = await getPage(`/packages/${n('forms-ghost')}?tab=versions`);
    expect(list.html).toContain('id="versions"');
    const table = list.html.slice(list.html.indexOf('id="versions"'));
    expect(table.match(/badge yanked">yanked/g)).toHaveLength(2);
    expect(table.indexOf('>0.2.0</a>')).toBeLessThan(table.indexOf('>0.1.0</a>')); // newest first
  });

  it('shows the deprecation message in a banner', async () => {
    const { html } = await getPage(`/packages/${n('forms-validation')}`);
    expect(html).toContain('id="deprecated-banner"');
    expect(html).toContain('Deprecated for a test.');
  });

  it('links dependencies and lists dependents (packages whose latest version depends on it)', async () => {
    const deps = await getPage(`/packages/${n('raven-forms')}?tab=dependencies`);
    expect(deps.html).toContain(`<a class="name" href="/packages/${n('raven-store')}">${n('raven-store')}</a>`);
    expect(deps.html).toContain('No development dependencies.');
    const dependents = await getPage(`/packages/${n('raven-store')}?tab=dependents`);
    expect(dependents.html).toContain(`href="/packages/${n('raven-forms')}"`);
    expect(dependents.html).toContain(`href="/packages/${n('raven-i18n')}"`);
    // forms-ghost depends on it only from a yanked version that is not its latest.
    expect(dependents.html).not.toContain(`href="/packages/${n('forms-ghost')}"`);
    expect(cacheTags(dependents.res)).toContain(`pkg:${n('raven-forms')}`);
    // The total is the maintained counter: it equals a recount of the latest versions depending on it.
    const { rows } = await withDb((db) =>
      db.execute<{ n: string }>(sql`
        select count(*)::text as n from versions lv
        join packages dp on dp.id = lv.package_id and dp.latest_version = lv.version
        where lv.dependencies ? ${n('raven-store')} and dp.name <> ${n('raven-store')}`),
    );
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(2);
    expect(dependents.html).toContain(`Dependents (${rows[0]!.n})`);
  });

  it('lists a package with very many dependents by walking the downloads ordering instead', async () => {
    const names = (page: Awaited<ReturnType<typeof packagePage>>) => page!.dependents.map((d) => d.name).sort();
    const indexed = names(await withDb((db) => packagePage(db, n('raven-store'), null)));
    const rolledBack = new Error('roll back');
    let walked: string[] = [];
    let hidden: string[] = [];
    await withDb((db) =>
      db.transaction(async (tx) => {
        // As if it had more dependents than the registry has packages: the walk is the cheaper way.
        await tx.execute(
          sql`insert into counter_deltas (key, delta) values (${`dependents:${n('raven-store')}`}, 1000000)`,
        );
        walked = names(await packagePage(tx, n('raven-store'), null));
        // Proof of the branch: the walk reads package_ranks, the index path does not.
        await tx.execute(sql`update package_ranks set live = false
          where package_id = (select id from packages where name = ${n('raven-forms')})`);
        hidden = names(await packagePage(tx, n('raven-store'), null));
        throw rolledBack;
      }),
    ).catch((err) => {
      if (err !== rolledBack) throw err;
    });
    expect(walked).toEqual(indexed);
    expect(indexed).toContain(n('raven-forms'));
    expect(hidden).toEqual(indexed.filter((name) => name !== n('raven-forms')));
  });

  it('names who published the version and links repository and homepage with nofollow', async () => {
    const user = await createUser('webpub');
    const name = packageName('webpkg');
    await publishPackage(user.token, name, '1.2.3', { repository: 'https://example.com/repo' });
    // Publish refuses such a URL today; the page must not trust that a stored one never is.
    await withDb((db) =>
      db.execute(sql`update versions set homepage = 'javascript:alert(1)'
        where package_id = (select id from packages where name = ${name})`),
    );
    const { html } = await getPage(`/packages/${name}`);
    expect(html).toContain(`<a href="/users/${user.username}" id="published-by">${user.username}</a>`);
    expect(html).toContain('<a href="https://example.com/repo" rel="nofollow noopener ugc">');
    expect(html).not.toContain('href="javascript:');

    await publishPackage(user.token, name, '2.0.0-beta.1');
    const versions = await getPage(`/packages/${name}?tab=versions`);
    const table = versions.html.slice(versions.html.indexOf('id="versions"'));
    expect(table.indexOf('>2.0.0-beta.1</a>')).toBeLessThan(table.indexOf('>1.2.3</a>'));
    expect(table.match(/badge pre">pre-release/g)).toHaveLength(1);
    // The stable release stays the latest, so it is what the page shows and installs.
    expect(versions.html).toContain(`raven pkg add ${name}@^1.2.3`);
  });

  it('answers an unknown package or version with the site 404, never stored', async () => {
    for (const path of [`/packages/${n('nope')}`, `/packages/${n('raven-store')}/9.9.9`, '/packages/Bad--Name!']) {
      const { status, html, res } = await getPage(path);
      expect(status, path).toBe(404);
      expect(titleOf(html)).toBe('Not found · Raven');
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expectSecurityHeaders(res, expect);
    }
  });
});

describe('user, categories and error pages', () => {
  it('shows a user with their packages and joined date, never the email', async () => {
    const { status, html, res } = await getPage(`/users/seed-${token}`);
    expect(status).toBe(200);
    expect(titleOf(html)).toBe(`seed-${token} · Raven`);
    expect(html).toContain(`href="/packages/${n('raven-store')}"`);
    expect(html).toContain('Joined <time');
    expect(html).not.toContain('@example.test');
    expect(cacheTags(res)).toContain(`pkg:${n('raven-store')}`);
    expect((await getPage('/users/nobody-here-xyz')).status).toBe(404);
  });

  it('lists the categories and one category most downloaded first', async () => {
    const index = await getPage('/categories');
    expect(index.status).toBe(200);
    expect(index.html).toContain('href="/categories/database"');
    const tools = await getPage('/categories/tools');
    expect(tools.status).toBe(200);
    expect(titleOf(tools.html)).toBe('Category: tools · Raven');
    expect(tools.html).toContain(`href="/packages/${n('spec-runner')}"`);
    expect(cacheTags(tools.res)).toEqual(expect.arrayContaining(['pkgs', `pkg:${n('spec-runner')}`]));
    expect((await getPage('/categories/not-a-category')).status).toBe(404);
  });

  it('gives browsers the site 404 anywhere outside the API, and API clients the contract JSON', async () => {
    const page = await getPage('/no/such/page');
    expect(page.status).toBe(404);
    expect(page.html).toContain('<h1 id="error-title">We couldn&#39;t find that page</h1>');
    expect(page.res.headers.get('cache-control')).toBe('private, no-store');
    const api = await callJson('/no-such-route');
    expect(api.status).toBe(404);
    expect(api.body).toEqual({ error: 'not_found', message: 'No such route.' });
  });

  it('serves the API reference in the site frame with the viewer from our own assets', async () => {
    const { status, html, res } = await getPage('/docs');
    expect(status).toBe(200);
    expectSecurityHeaders(res, expect, 'inline-styles');
    expect(html).toContain(`src="${ASSET_URLS['scalar.js']}"`);
    expect(html).toContain(`href="${ASSET_URLS['scalar.css']}"`);
    expect(html).toContain('data-url="/api/v1/openapi.json"');
    expect(html).not.toMatch(/cdn\.|jsdelivr|(src|href)="https?:/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
  });

  it('answers a page whose read fails with the site 500 page carrying the request id, never stored', async () => {
    const deadDatabase = { ...env, DATABASE_URL: env.DATABASE_URL.replace(/@[^/]+\//, '@127.0.0.1:1/') };
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${BASE}/packages/${n('raven-store')}`, { headers: { 'x-request-id': 'web-page-fault-001' } }),
      deadDatabase,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const html = await res.text();
    expect(res.status).toBe(500);
    expect(titleOf(html)).toBe('Something went wrong · Raven');
    expect(html).toContain('<code id="request-id">web-page-fault-001</code>');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expectSecurityHeaders(res, expect);
  });
});

describe('static assets', () => {
  it('serves each hashed file from the assets binding with an immutable cache', async () => {
    for (const url of Object.values(ASSET_URLS)) {
      const res = await env.ASSETS.fetch(new Request(`http://registry.test${url}`));
      expect(res.status, url).toBe(200);
      await res.arrayBuffer();
      expect(res.headers.get('cache-control'), url).toBe('public, max-age=31536000, immutable');
    }
  });
});

describe('database work per page', () => {
  const pages: [string, number][] = [
    ['/', 1],
    [`/search?q=${token}`, 1],
    [`/packages/${n('raven-store')}`, 1],
    [`/packages/${n('raven-i18n')}/0.9.0?tab=versions`, 1],
    [`/users/seed-${token}`, 1],
    ['/categories/tools', 1],
    ['/categories', 0],
    ['/docs', 0],
  ];
  it.each(pages)('%s reads with %i statement(s)', async (path, statements) => {
    let status = 0;
    const count = await countDbFetches(async () => {
      status = (await getPage(path)).status;
    });
    expect(status).toBe(200);
    expect(count).toBe(httpReadsEnabled() ? statements : 0);
  });
});
