// The public website, mounted at the root beside /api/v1. Thin handlers: read
// with the services the API uses (or the page's single statement where the API
// has none), render, and send with the site's headers (respond.ts).

import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { ApiError, notFound } from '../errors';
import { log } from '../lib/log';
import { packageNameProblem } from '../lib/package-name';
import { limitSearchPage } from '../middleware/rate-limit';
import { CategoryParam, MAX_QUERY_LENGTH } from '../schemas/discovery';
import { NameParam } from '../schemas/packages';
import { UsernameParam } from '../schemas/users';
import { CATEGORIES, categoryPackages, isCategory } from '../services/categories';
import { findProfile } from '../services/profiles';
import { searchPackages } from '../services/search';
import { homePage, packagePage } from '../services/web-pages';
import { pageParams } from './guards';
import { CategoriesPage, CategoryPage } from './pages/categories';
import { ErrorPage, NotFoundPage, RemovedPage, TooManyRequestsPage } from './pages/errors';
import { HomePage } from './pages/home';
import { PackagePage, TABS, type Tab } from './pages/package';
import { SearchPage } from './pages/search';
import { UserPage } from './pages/user';
import { packageTags, sendPage } from './respond';

const PER_PAGE = 20;
const HOME_LIST = 8;
/** Deep pages cost an OFFSET scan; nobody reads page 500 of a search. */
const MAX_PAGE = 500;

/** `?page=`: digits only, 1..MAX_PAGE; anything else is page 1 (a page never answers 400). */
function pageParam(c: Context): number {
  const raw = c.req.query('page') ?? '';
  const n = /^\d{1,4}$/.test(raw) ? Number(raw) : 1;
  return Math.min(Math.max(n, 1), MAX_PAGE);
}

const pagesFor = (total: number) => Math.max(1, Math.min(MAX_PAGE, Math.ceil(total / PER_PAGE)));

export function renderNotFound(c: Context, message?: string) {
  return sendPage(c, <NotFoundPage message={message} />, 'no-store', 404);
}

export const webRoutes = new Hono<AppEnv>();

webRoutes.onError((err, c) => {
  if (err instanceof ApiError && err.status === 404) return renderNotFound(c, err.message);
  if (err instanceof ApiError && err.status === 429) {
    for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
    return sendPage(c, <TooManyRequestsPage message={err.message} />, 'no-store', 429);
  }
  const requestId = c.get('requestId') ?? 'unknown';
  log.error('page failed', err, { request_id: requestId });
  return sendPage(c, <ErrorPage requestId={requestId} />, 'no-store', 500);
});

webRoutes.get('/', async (c) => {
  const data = await homePage(c.var.db.query, HOME_LIST);
  const shown = [...data.newest, ...data.updated, ...data.most_downloaded, ...data.trending].map((p) => p.name);
  return sendPage(c, <HomePage data={data} categories={CATEGORIES} />, {
    tags: ['pkgs', 'home', ...packageTags(shown)],
  });
});

webRoutes.get('/search', async (c) => {
  const q = (c.req.query('q') ?? '').trim().slice(0, MAX_QUERY_LENGTH);
  const page = pageParam(c);
  if (q) await limitSearchPage(c);
  const found = q
    ? await searchPackages(c.var.db.query, { q, limit: PER_PAGE, offset: (page - 1) * PER_PAGE })
    : { total: 0, results: [] };
  return sendPage(
    c,
    <SearchPage q={q} total={found.total} results={found.results} page={page} pages={pagesFor(found.total)} />,
    { tags: ['pkgs', 'search', ...packageTags(found.results.map((r) => r.name))] },
  );
});

async function packageHandler(c: Context<AppEnv>, name: string, version: string | null) {
  if (packageNameProblem(name)) throw notFound(`No package named "${name}".`);
  const tabParam = c.req.query('tab') ?? 'readme';
  const tab: Tab = (TABS as readonly string[]).includes(tabParam) ? (tabParam as Tab) : 'readme';
  const pkg = await packagePage(c.var.db.query, name, version);
  if (!pkg) throw notFound(`No package named "${name}".`);
  // Taken down: the page says so and why; no-store, so a restore shows the package again at once.
  const removed = pkg.taken_down ?? pkg.version?.taken_down;
  if (removed) {
    const what = removed.scope === 'package' ? pkg.name : `${pkg.name} ${pkg.version?.version ?? version}`;
    return sendPage(
      c,
      <RemovedPage what={what} reason={removed.reason} when={removed.taken_down_at} />,
      'no-store',
      451,
    );
  }
  if (!pkg.version) throw notFound(`${name} has no version "${version}".`);
  const tags = packageTags([pkg.name, ...pkg.dependents.map((d) => d.name)]);
  return sendPage(c, <PackagePage pkg={pkg} version={pkg.version} tab={tab} pinned={version !== null} />, { tags });
}

const packageParams = pageParams(NameParam, 'package');
webRoutes.get('/packages/:name', packageParams, (c) => packageHandler(c, c.req.valid('param').name, null));
webRoutes.get('/packages/:name/:version', packageParams, (c) =>
  packageHandler(c, c.req.valid('param').name, c.req.param('version')),
);

webRoutes.get('/users/:username', pageParams(UsernameParam, 'user'), async (c) => {
  const { username } = c.req.valid('param');
  if (!/^[a-z0-9-]{1,32}$/.test(username)) throw notFound(`No user named "${username}".`);
  const user = await findProfile(c.var.db.query, { username }, false);
  if (!user) throw notFound(`No user named "${username}".`);
  return sendPage(c, <UserPage user={user} />, {
    tags: [`user:${user.username}`, ...packageTags(user.packages.map((p) => p.name))],
  });
});

webRoutes.get('/categories', (c) => sendPage(c, <CategoriesPage />, { tags: ['categories'] }));

webRoutes.get('/categories/:category', pageParams(CategoryParam, 'category'), async (c) => {
  const { category } = c.req.valid('param');
  if (!isCategory(category)) throw notFound(`No category "${category}". Categories: ${CATEGORIES.join(', ')}.`);
  const page = pageParam(c);
  const found = await categoryPackages(c.var.db.query, { category, limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
  return sendPage(
    c,
    <CategoryPage
      category={category}
      total={found.total}
      packages={found.packages}
      page={page}
      pages={pagesFor(found.total)}
    />,
    { tags: ['pkgs', `category:${category}`, ...packageTags(found.packages.map((p) => p.name))] },
  );
});
