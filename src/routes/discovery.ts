import { createRoute, type z } from '@hono/zod-openapi';
import { notFound } from '../errors';
import { createRouter } from '../router';
import { errorResponses, jsonResponse } from '../schemas/common';
import {
  CategoryParam,
  CategoryQuery,
  CategoryReply,
  PackageNameParam,
  PackageStatsReply,
  SearchQuery,
  SearchReply,
  StatsReply,
  TrendingQuery,
  TrendingReply,
} from '../schemas/discovery';
import { CATEGORIES, categoryPackages, isCategory } from '../services/categories';
import { searchPackages } from '../services/search';
import { packageStats, registryStats } from '../services/stats';
import { trendingPackages } from '../services/trending';

/** How long /stats may be served from the edge cache (and by clients). */
export const STATS_MAX_AGE_SECONDS = 60;

const searchRoute = createRoute({
  method: 'get',
  path: '/search',
  tags: ['discovery'],
  summary: 'Full-text and fuzzy package search',
  description:
    'Name matches rank first, then keywords, then description; downloads break ties; `score` is in [0,1] ' +
    '(1 = exact name). Typos and partial names match by trigram similarity.',
  request: { query: SearchQuery },
  responses: { 200: jsonResponse('One page of results and the full match count', SearchReply), ...errorResponses(400) },
});

const trendingRoute = createRoute({
  method: 'get',
  path: '/packages/trending',
  tags: ['discovery'],
  summary: 'Packages growing fastest over a period',
  request: { query: TrendingQuery },
  responses: { 200: jsonResponse('Trending packages', TrendingReply), ...errorResponses(400) },
});

const categoryRoute = createRoute({
  method: 'get',
  path: '/packages/categories/{category}',
  tags: ['discovery'],
  summary: 'Packages in a category',
  description: `Categories: ${CATEGORIES.join(', ')}. A package belongs to a category when its raven.toml lists it in \`categories\` or in \`keywords\`.`,
  request: { params: CategoryParam, query: CategoryQuery },
  responses: { 200: jsonResponse('One page of the category', CategoryReply), ...errorResponses(400, 404) },
});

const statsRoute = createRoute({
  method: 'get',
  path: '/stats',
  tags: ['stats'],
  summary: 'Registry totals',
  description: `Cached for up to ${STATS_MAX_AGE_SECONDS} s; \`updated_at\` says when the numbers were computed.`,
  responses: { 200: jsonResponse('Registry totals', StatsReply) },
});

const packageStatsRoute = createRoute({
  method: 'get',
  path: '/packages/{name}/stats',
  tags: ['stats'],
  summary: "A package's downloads, versions and dependents",
  request: { params: PackageNameParam },
  responses: { 200: jsonResponse('Package numbers', PackageStatsReply), ...errorResponses(404) },
});

type Stats = z.infer<typeof StatsReply>;

/** Cache failures never fail the request: the numbers are cheap to recompute. */
async function cachedStats(url: string, compute: () => Promise<Stats>, waitUntil: (p: Promise<unknown>) => void) {
  const key = new Request(new URL('/api/v1/stats', url));
  const cache = caches.default;
  const hit = await cache.match(key).catch(() => undefined);
  if (hit) return (await hit.json()) as Stats;
  const stats = await compute();
  const stored = new Response(JSON.stringify(stats), {
    headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${STATS_MAX_AGE_SECONDS}` },
  });
  waitUntil(cache.put(key, stored).catch(() => {}));
  return stats;
}

/**
 * Discovery and numbers: /search, /stats, /packages/trending,
 * /packages/categories/:category, /packages/:name/stats. Mounted at /api/v1
 * before the package routes so `trending` and `categories` are never shadowed
 * by /packages/:name.
 */
export const discoveryRoutes = createRouter()
  .openapi(searchRoute, async (c) => {
    const { q, limit, offset } = c.req.valid('query');
    const page = await searchPackages(c.var.db.read, { q, limit, offset });
    return c.json({ results: page.results, total: page.total, limit, offset }, 200);
  })
  .openapi(trendingRoute, async (c) => {
    const { period, limit } = c.req.valid('query');
    return c.json({ packages: await trendingPackages(c.var.db.read, { period, limit }) }, 200);
  })
  .openapi(categoryRoute, async (c) => {
    const category = c.req.valid('param').category.toLowerCase();
    if (!isCategory(category)) throw notFound(`No category "${category}". Categories: ${CATEGORIES.join(', ')}.`);
    const { limit, offset } = c.req.valid('query');
    const page = await categoryPackages(c.var.db.read, { category, limit, offset });
    return c.json({ category, packages: page.packages, total: page.total, limit, offset }, 200);
  })
  .openapi(statsRoute, async (c) => {
    const stats = await cachedStats(
      c.req.url,
      async () => ({ ...(await registryStats(c.var.db.read)), updated_at: new Date().toISOString() }),
      (p) => c.executionCtx.waitUntil(p),
    );
    const age = Math.floor((Date.now() - Date.parse(stats.updated_at)) / 1000);
    const maxAge = Math.min(STATS_MAX_AGE_SECONDS, Math.max(0, STATS_MAX_AGE_SECONDS - age));
    return c.json(stats, 200, { 'Cache-Control': `public, max-age=${maxAge}` });
  })
  .openapi(packageStatsRoute, async (c) => {
    const name = c.req.valid('param').name.toLowerCase();
    const stats = await packageStats(c.var.db.read, name);
    if (!stats) throw notFound(`No package named "${name}".`);
    return c.json({ ...stats, updated_at: new Date().toISOString() }, 200);
  });
