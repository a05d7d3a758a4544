// A realistic registry written straight into Postgres with Drizzle, so the
// discovery tests depend on no publish code. The database is shared by every
// test file and never reset: every name carries the caller's token (and every
// package the token as a keyword), so assertions can stick to their own rows.
import { env } from 'cloudflare:test';
import { createDatabase } from '../../src/db/client';
import { packageDownloads, packageOwners, packages, users, versionDownloads, versions } from '../../src/db/schema';
import { addPackageCounters, applyCounterDeltas } from '../../src/services/counters';

interface SeedVersion {
  version: string;
  yanked?: boolean;
  dependencies?: Record<string, unknown>;
  /** Downloads per day, keyed by how many UTC days ago (0 = today). */
  downloads?: Record<number, number>;
}

export interface SeedPackage {
  name: string;
  description: string;
  keywords: string[];
  categories?: string[];
  deprecated?: boolean;
  versions: SeedVersion[];
}

export interface SeededPackage extends SeedPackage {
  id: string;
  latestVersion: string | null;
  downloads: number;
}

/** `YYYY-MM-DD` of the UTC day `daysAgo` days before now. */
function utcDay(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/** A short lowercase token, safe inside package names and as a search word. */
export function seedToken(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let token = 'zq';
  for (let i = 0; i < 6; i++) token += letters[Math.floor(Math.random() * letters.length)];
  return token;
}

const totalOf = (v: SeedVersion) => Object.values(v.downloads ?? {}).reduce((a, b) => a + b, 0);

/**
 * The five fixture packages (their real descriptions and keywords, names
 * suffixed with the token) plus generated ones covering the cases discovery
 * must get right: strong distractors, deprecated and yanked-only packages,
 * dependents, category members by either rule, and download histories that
 * grow, stay flat or fade.
 */
export function realisticRegistry(token: string): SeedPackage[] {
  const n = (base: string) => `${base}-${token}`;
  const kw = (...words: string[]) => [...words, token];
  const steady = (perDay: number, days = 60) =>
    Object.fromEntries(Array.from({ length: days }, (_, d) => [d, perDay])) as Record<number, number>;
  const fixtures: SeedPackage[] = [
    {
      name: n('raven-forms'),
      description: 'Powerful form handling and validation library for RavensOne',
      keywords: kw('forms', 'validation', 'input', 'ui'),
      versions: [{ version: '1.0.0', dependencies: { [n('raven-store')]: '1.0.0' }, downloads: steady(3) }],
    },
    {
      name: n('raven-store'),
      description: 'Advanced state management library for RavensOne applications',
      keywords: kw('state', 'reactive', 'store', 'signals'),
      versions: [{ version: '1.0.0', downloads: steady(40) }],
    },
    {
      name: n('raven-router'),
      description: 'Client-side routing library for RavensOne single-page applications',
      keywords: kw('router', 'routing', 'spa', 'navigation', 'history'),
      categories: ['web-programming'],
      versions: [{ version: '0.1.0', downloads: steady(8) }],
    },
    {
      name: n('raven-http'),
      description: 'HTTP client library for RavensOne applications',
      keywords: kw('http', 'fetch', 'ajax', 'client', 'api'),
      categories: ['web-programming', 'network-programming'],
      versions: [{ version: '0.1.0', downloads: steady(25) }],
    },
    {
      name: n('raven-i18n'),
      description: 'Internationalization (i18n) library for RavensOne applications',
      keywords: kw('i18n', 'l10n', 'internationalization', 'localization', 'translation'),
      versions: [
        { version: '0.9.0', downloads: { 40: 5 } },
        { version: '1.0.0', dependencies: { [n('raven-store')]: { version: '1.0.0' } }, downloads: steady(2) },
      ],
    },
  ];
  const generated: SeedPackage[] = [
    {
      // Matches both query words in keywords and description and out-downloads
      // raven-forms ten times over, but not by name.
      name: n('schema-check'),
      description: 'Schema validation for forms, JSON payloads and API input',
      keywords: kw('validation', 'schema', 'json'),
      categories: ['utilities'],
      versions: [{ version: '2.3.1', downloads: steady(30) }],
    },
    {
      // Every word in its description only, and the most downloaded of all.
      name: n('kitchen-sink'),
      description: 'Batteries included: forms, validation, routing, state, http and more',
      keywords: kw('batteries', 'starter'),
      categories: ['frameworks'],
      versions: [{ version: '5.0.0', downloads: steady(90) }],
    },
    {
      // A perfect name match, but deprecated: it must sort after live packages.
      name: n('forms-validation'),
      description: 'Old forms and validation helpers, use raven-forms instead',
      keywords: kw('forms', 'validation'),
      deprecated: true,
      versions: [{ version: '0.3.0', downloads: steady(50) }],
    },
    {
      // Every version yanked: invisible to search, trending and categories.
      name: n('forms-ghost'),
      description: 'Forms validation that was yanked',
      keywords: kw('forms', 'validation', 'ui', 'testing'),
      categories: ['ui'],
      versions: [
        { version: '0.1.0', yanked: true, downloads: steady(20) },
        { version: '0.2.0', yanked: true, dependencies: { [n('raven-store')]: '1.0.0' } },
      ],
    },
    {
      // Depended on raven-store once; its latest version no longer does.
      name: n('store-devtools'),
      description: 'Time-travel debugging panel for application state',
      keywords: kw('devtools', 'debugging', 'tools'),
      versions: [
        { version: '0.1.0', dependencies: { [n('raven-store')]: '0.9' }, downloads: { 50: 4 } },
        { version: '0.2.0', dependencies: { [n('raven-http')]: '0.1' }, downloads: steady(1) },
      ],
    },
    {
      // Categories from raven.toml only, no matching keyword.
      name: n('pixel-grid'),
      description: 'Responsive layout grid components',
      keywords: kw('layout', 'grid', 'responsive'),
      categories: ['ui'],
      versions: [{ version: '1.2.0', downloads: steady(6) }],
    },
    {
      // Mentions UI in its description only: not a member of `ui`.
      name: n('color-math'),
      description: 'Colour conversions for UI themes and charts',
      keywords: kw('color', 'colour', 'theme'),
      versions: [{ version: '0.4.0', downloads: steady(5) }],
    },
    {
      name: n('pg-lite-client'),
      description: 'A small Postgres client with pooling and prepared statements',
      keywords: kw('database', 'postgres', 'sql'),
      categories: ['database'],
      versions: [{ version: '0.8.0', downloads: steady(12) }],
    },
    {
      name: n('spec-runner'),
      description: 'Fast unit test runner with snapshots and watch mode',
      keywords: kw('testing', 'test', 'snapshot'),
      categories: ['testing', 'tools'],
      versions: [{ version: '3.1.0', downloads: steady(15) }],
    },
    {
      // Trending: small last week, small the week before, ten times more now.
      name: n('rocket-charts'),
      description: 'Animated charts and sparklines',
      keywords: kw('charts', 'graphs', 'ui'),
      versions: [
        {
          version: '0.2.0',
          downloads: { 1: 20, 2: 20, 3: 20, 4: 20, 5: 20, 8: 2, 9: 2, 10: 2, 11: 2, 12: 2, 20: 1 },
        },
      ],
    },
    {
      // Trending: bigger than rocket-charts in every period, but flat.
      name: n('steady-logger'),
      description: 'Structured logging with levels and sinks',
      keywords: kw('logging', 'log', 'tools'),
      versions: [{ version: '2.0.0', downloads: steady(50) }],
    },
    {
      // Trending: used to be big, fading.
      name: n('fading-date'),
      description: 'Date formatting and parsing',
      keywords: kw('date', 'time', 'format'),
      versions: [{ version: '1.9.0', downloads: { 1: 1, 3: 1, 8: 80, 9: 80, 10: 80, 11: 80 } }],
    },
  ];
  // Filler with varied words so ranking is decided among many candidates.
  const topics = [
    ['markdown', 'Markdown parser and renderer with extensions', ['markdown', 'parser', 'text']],
    ['crypto-hash', 'Hashing helpers for SHA-2 and BLAKE2', ['crypto', 'hash', 'security']],
    ['icon-set', 'SVG icon set for RavensOne UI components', ['icons', 'svg', 'ui']],
    ['retry-fetch', 'Retry and backoff around fetch for http clients', ['http', 'retry', 'network']],
    ['kv-cache', 'In-memory key value cache with TTL', ['cache', 'memory', 'database']],
    ['mock-server', 'Mock HTTP server for integration testing', ['testing', 'http', 'mock']],
    ['cli-args', 'Command line argument parsing', ['cli', 'args', 'tools']],
    ['form-wizard', 'Multi-step wizard component with progress indicator', ['wizard', 'steps', 'ui']],
    ['route-guard', 'Navigation guards and redirects for single-page apps', ['navigation', 'auth', 'spa']],
    ['web-app-kit', 'A full-stack web framework with server rendering', ['framework', 'ssr', 'web']],
  ] as const;
  const filler: SeedPackage[] = topics.map(([base, description, words], i) => ({
    name: n(base),
    description,
    keywords: kw(...words),
    versions: [{ version: `0.${i + 1}.0`, downloads: steady(i % 4, 30) }],
  }));
  return [...fixtures, ...generated, ...filler];
}

/** Latest = highest non-yanked version; these seeds list versions in ascending order. */
function latestOf(p: SeedPackage): string | null {
  return p.versions.filter((v) => !v.yanked).at(-1)?.version ?? null;
}

/** Inserts an owner and the packages, with denormalised columns kept as publish and the download flush keep them. */
export async function seedRegistry(token: string, registry: SeedPackage[]): Promise<SeededPackage[]> {
  const database = createDatabase(env.DATABASE_URL, env.WS_PROXY);
  try {
    return await database.transaction(async (tx) => {
      const [owner] = await tx
        .insert(users)
        .values({ username: `seed-${token}`, email: `seed-${token}@example.test`, passwordHash: 'not-a-login' })
        .returning({ id: users.id });
      await applyCounterDeltas(tx, { users: 1 });
      const seeded: SeededPackage[] = [];
      for (const p of registry) {
        const downloads = p.versions.reduce((sum, v) => sum + totalOf(v), 0);
        const latestVersion = latestOf(p);
        const [row] = await tx
          .insert(packages)
          .values({
            name: p.name,
            canonicalName: p.name.replaceAll('-', ''),
            description: p.description,
            keywords: p.keywords,
            categories: p.categories ?? [],
            latestVersion,
            downloads,
            deprecatedAt: p.deprecated ? new Date() : null,
            deprecationMessage: p.deprecated ? 'Deprecated for a test.' : null,
          })
          .returning({ id: packages.id });
        const packageId = row!.id;
        await tx.insert(packageOwners).values({ packageId, userId: owner!.id, role: 'owner' });
        for (const v of p.versions) {
          const [version] = await tx
            .insert(versions)
            .values({
              packageId,
              version: v.version,
              description: p.description,
              keywords: p.keywords,
              categories: p.categories ?? [],
              dependencies: v.dependencies ?? {},
              checksum: `sha256:${'0'.repeat(64)}`,
              sizeBytes: 1024,
              r2Key: `tarballs/test/${p.name}-${v.version}.tar.gz`,
              isPrerelease: v.version.includes('-'),
              downloads: totalOf(v),
              yanked: v.yanked ?? false,
              yankedAt: v.yanked ? new Date() : null,
            })
            .returning({ id: versions.id });
          const days = Object.entries(v.downloads ?? {});
          if (days.length > 0) {
            await tx
              .insert(versionDownloads)
              .values(days.map(([ago, count]) => ({ versionId: version!.id, day: utcDay(Number(ago)), count })));
          }
        }
        // The per-package daily rollup the flush would have written.
        const perDay = new Map<string, number>();
        for (const v of p.versions) {
          for (const [ago, count] of Object.entries(v.downloads ?? {})) {
            const day = utcDay(Number(ago));
            perDay.set(day, (perDay.get(day) ?? 0) + count);
          }
        }
        if (perDay.size > 0) {
          await tx.insert(packageDownloads).values([...perDay].map(([day, count]) => ({ packageId, day, count })));
        }
        await addPackageCounters(tx, packageId);
        seeded.push({ ...p, id: packageId, latestVersion, downloads });
      }
      return seeded;
    });
  } finally {
    await database.close();
  }
}
