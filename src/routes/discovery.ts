import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { notFound } from '../errors';
import { limited } from '../middleware/route-limits';
import { createRouter } from '../router';
import { errorResponses, jsonResponse } from '../schemas/common';
import * as schema from '../schemas/discovery';
import { CATEGORIES, categoryPackages, isCategory } from '../services/categories';
import { searchPackages } from '../services/search';
import { packageStats, registryStats } from '../services/stats';
import { trendingPackages } from '../services/trending';
import { routesTagged } from './define';

const discovery = routesTagged('discovery');
const stats = routesTagged('stats');

/** How long /stats may be served from the edge cache (and by clients). */
const STATS_MAX_AGE_SECONDS = 60;
/** Trending sums every download of the last 14 or 60 days; daily counts barely move in 5 minutes. */
const TRENDING_MAX_AGE_SECONDS = 300;

const searchRoute = discovery.get('/search', {
  summary: 'Full-text and fuzzy package search',
  description:
    'Name matches rank first, then keywords, then description; downloads break ties; `score` is in [0,1] ' +
    '(1 = exact name). Typos and partial names match by trigram similarity.',
  ...limited({ rate: 'search' }),
  request: { query: schema.SearchQuery },
  responses: {
    200: jsonResponse('One page of results and the match count (estimated for very broad queries)', schema.SearchReply),
    ...errorResponses(400),
  },
});

const trendingRoute = discovery.get('/packages/trending', {
  summary: 'Packages growing fastest over a period',
  description:
    'trend_score = (current - previous) / sqrt(previous + 1) over the period and the one before it ' +
    `(all: the all-time downloads). Cached for up to ${TRENDING_MAX_AGE_SECONDS} s.`,
  request: { query: schema.TrendingQuery },
  responses: { 200: jsonResponse('Trending packages', schema.TrendingReply), ...errorResponses(400) },
});

const categoryRoute = discovery.get('/packages/categories/{category}', {
  summary: 'Packages in a category',
  description: `Categories: ${CATEGORIES.join(', ')}. A package belongs to a category when its raven.toml lists it in \`categories\` or in \`keywords\`.`,
  request: { params: schema.CategoryParam, query: schema.CategoryQuery },
  responses: { 200: jsonResponse('One page of the category', schema.CategoryReply), ...errorResponses(400, 404) },
});

const statsRoute = stats.get('/stats', {
  summary: 'Registry totals',
  description: `Cached for up to ${STATS_MAX_AGE_SECONDS} s; \`updated_at\` says when the numbers were computed.`,
  responses: { 200: jsonResponse('Registry totals', schema.StatsReply) },
});

const packageStatsRoute = stats.get('/packages/{name}/stats', {
  summary: "A package's downloads, versions and dependents",
  request: { params: schema.PackageNameParam },
  responses: { 200: jsonResponse('Package numbers', schema.PackageStatsReply), ...errorResponses(404, 451) },
});

/**
 * Serves `compute()` from the data centre's cache for up to `maxAge` seconds
 * and says how much of that is left, for the reply's Cache-Control. (The Cache
 * API does nothing on *.workers.dev: there every request computes.) Cache
 * faults never fail the request; the numbers can always be recomputed.
 */
async function edgeCached<T>(
  c: Context<AppEnv, any, any>,
  path: string,
  maxAge: number,
  compute: () => Promise<T>,
): Promise<{ value: T; maxAge: number }> {
  const key = new Request(new URL(path, c.req.url));
  const cache = caches.default;
  const hit = await cache.match(key).catch(() => undefined);
  if (hit) {
    const age = Math.floor((Date.now() - Number(hit.headers.get('x-stored-at'))) / 1000);
    return { value: (await hit.json()) as T, maxAge: Math.max(0, Math.min(maxAge, maxAge - age)) };
  }
  const value = await compute();
  const stored = new Response(JSON.stringify(value), {
    headers: {
      'content-type': 'application/json',
      'cache-control': `public, max-age=${maxAge}`,
      'x-stored-at': String(Date.now()),
    },
  });
  c.executionCtx.waitUntil(cache.put(key, stored).catch(() => {}));
  return { value, maxAge };
}

const cacheControl = (maxAge: number) => ({ 'Cache-Control': `public, max-age=${maxAge}` });

/**
 * Discovery and numbers: /search, /stats, /packages/trending,
 * /packages/categories/:category, /packages/:name/stats. Mounted at /api/v1
 * before the package routes so `trending` and `categories` are never shadowed
 * by /packages/:name.
 */
export const discoveryRoutes = createRouter()
  .openapi(searchRoute, async (c) => {
    const { q, limit, offset } = c.req.valid('query');
    const page = await searchPackages(c.var.db.query, { q, limit, offset });
    return c.json(
      { results: page.results, total: page.total, total_is_estimate: page.totalIsEstimate, limit, offset },
      200,
    );
  })
  .openapi(trendingRoute, async (c) => {
    const { period, limit } = c.req.valid('query');
    const { value, maxAge } = await edgeCached(
      c,
      `/api/v1/packages/trending?period=${period}&limit=${limit}`,
      TRENDING_MAX_AGE_SECONDS,
      () => trendingPackages(c.var.db.query, { period, limit }),
    );
    return c.json({ packages: value }, 200, cacheControl(maxAge));
  })
  .openapi(categoryRoute, async (c) => {
    const category = c.req.valid('param').category;
    if (!isCategory(category)) throw notFound(`No category "${category}". Categories: ${CATEGORIES.join(', ')}.`);
    const { limit, offset } = c.req.valid('query');
    const page = await categoryPackages(c.var.db.query, { category, limit, offset });
    return c.json({ category, packages: page.packages, total: page.total, limit, offset }, 200);
  })
  .openapi(statsRoute, async (c) => {
    const { value, maxAge } = await edgeCached(c, '/api/v1/stats', STATS_MAX_AGE_SECONDS, async () => ({
      ...(await registryStats(c.var.db.query)),
      updated_at: new Date().toISOString(),
    }));
    return c.json(value, 200, cacheControl(maxAge));
  })
  .openapi(packageStatsRoute, async (c) => {
    const name = c.req.valid('param').name;
    const stats = await packageStats(c.var.db.query, name);
    if (!stats) throw notFound(`No package named "${name}".`);
    return c.json({ ...stats, updated_at: new Date().toISOString() }, 200);
  });
