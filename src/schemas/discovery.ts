import { z } from '@hono/zod-openapi';
import { pathParam, Timestamp } from './common';

const TRENDING_PERIODS = ['week', 'month', 'all'] as const;
export type TrendingPeriod = (typeof TRENDING_PERIODS)[number];

/** Query-string integers: digits only (no `-1`, `1.5`, `1e3`, `abc`), then bounded. */
const intQuery = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `${name} must be a whole number.`)
    .optional()
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .pipe(z.number().int().min(min, `${name} must be at least ${min}.`).max(max, `${name} must be at most ${max}.`))
    .openapi({ param: { name, in: 'query' }, type: 'integer', minimum: min, maximum: max, default: fallback });

const Count = z.number().int().nonnegative();

export const MAX_QUERY_LENGTH = 256;

export const SearchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1, 'q must not be blank.')
    .max(MAX_QUERY_LENGTH, `q must be at most ${MAX_QUERY_LENGTH} characters.`)
    .openapi({ param: { name: 'q', in: 'query' }, example: 'forms validation' }),
  limit: intQuery('limit', 20, 1, 100),
  offset: intQuery('offset', 0, 0, 100_000_000),
});

export const SearchReply = z
  .object({
    results: z.array(
      z.object({
        name: z.string(),
        version: z.string(),
        description: z.string(),
        keywords: z.array(z.string()),
        downloads: Count,
        score: z.number().min(0).max(1),
      }),
    ),
    total: Count,
    total_is_estimate: z.boolean().openapi({
      description:
        'True when the query matched so many packages that only the most downloaded ones and the name matches ' +
        'were ranked (later pages end early) and `total` is estimated from a sample.',
    }),
    limit: Count,
    offset: Count,
  })
  .openapi('SearchReply');

export const TrendingQuery = z.object({
  period: z
    .enum(TRENDING_PERIODS)
    .default('week')
    .openapi({ param: { name: 'period', in: 'query' } }),
  limit: intQuery('limit', 10, 1, 100),
});

export const TrendingReply = z
  .object({
    packages: z.array(
      z.object({
        name: z.string(),
        version: z.string(),
        description: z.string(),
        downloads_period: Count,
        trend_score: z.number().openapi({ description: '(current - previous) / sqrt(previous + 1)' }),
      }),
    ),
  })
  .openapi('TrendingReply');

export const CategoryParam = z.object({ category: pathParam('category', 64, 'ui') });

export const CategoryQuery = z.object({
  limit: intQuery('limit', 20, 1, 100),
  offset: intQuery('offset', 0, 0, 100_000_000),
});

export const CategoryReply = z
  .object({
    category: z.string(),
    packages: z.array(z.object({ name: z.string(), version: z.string(), description: z.string(), downloads: Count })),
    total: Count,
    limit: Count,
    offset: Count,
  })
  .openapi('CategoryReply');

export const StatsReply = z
  .object({
    total_packages: Count,
    total_versions: Count,
    total_downloads: Count,
    total_users: Count,
    updated_at: Timestamp,
  })
  .openapi('StatsReply');

export const PackageNameParam = z.object({ name: pathParam('name', 64, 'raven-forms') });

export const PackageStatsReply = z
  .object({
    name: z.string(),
    downloads: z.object({ total: Count, last_week: Count, last_month: Count, last_year: Count }),
    versions_count: Count,
    dependents_count: Count,
    updated_at: Timestamp,
  })
  .openapi('PackageStatsReply');
