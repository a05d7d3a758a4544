import { beforeAll, describe, expect, it } from 'vitest';
import { api, read } from '../helpers/api';
import { expectError, ISO } from '../helpers/contract';
import { realisticRegistry, type SeededPackage, seedRegistry, seedToken } from '../helpers/seed';

const token = seedToken();
const name = (base: string) => `${base}-${token}`;
let seeded: SeededPackage[];

const packageStats = (pkg: string) => read(api().packages[':name'].stats.$get({ param: { name: pkg } }));
const registryStats = () => read(api().stats.$get());

/** What the seed recorded for a package within the last `days` UTC days (today included). */
function recorded(base: string, days = Number.POSITIVE_INFINITY): number {
  const p = seeded.find((s) => s.name === name(base))!;
  let sum = 0;
  for (const v of p.versions)
    for (const [ago, count] of Object.entries(v.downloads ?? {})) if (+ago < days) sum += count;
  return sum;
}

beforeAll(async () => {
  seeded = await seedRegistry(token, realisticRegistry(token));
});

describe('GET /packages/:name/stats', () => {
  it('adds up to the downloads recorded, per window', async () => {
    for (const base of ['raven-store', 'raven-i18n', 'rocket-charts', 'store-devtools', 'fading-date']) {
      const { status, body } = await packageStats(name(base));
      expect(status).toBe(200);
      expect(body.downloads, base).toEqual({
        total: recorded(base),
        last_week: recorded(base, 7),
        last_month: recorded(base, 30),
        last_year: recorded(base, 365),
      });
    }
  });

  it('counts dependents from latest versions only, and every version published', async () => {
    const { body } = await packageStats(name('raven-store'));
    // raven-forms and raven-i18n depend on it (one as a string, one as a table);
    // store-devtools only did in an older version; forms-ghost has no live version.
    expect(body).toMatchObject({ name: name('raven-store'), versions_count: 1, dependents_count: 2 });
    expect(body.updated_at).toMatch(ISO);
    expect(Object.keys(body).sort()).toEqual(['dependents_count', 'downloads', 'name', 'updated_at', 'versions_count']);

    const http = await packageStats(name('raven-http'));
    expect(http.body.dependents_count).toBe(1);
    const i18n = await packageStats(name('raven-i18n'));
    expect(i18n.body).toMatchObject({ versions_count: 2, dependents_count: 0 });
    const ghost = await packageStats(name('forms-ghost'));
    expect(ghost.body).toMatchObject({ versions_count: 2, downloads: { total: recorded('forms-ghost') } });
  });

  it('answers 404 with the contract body for an unknown package', async () => {
    expectError(await packageStats(name('no-such-package')), 'not_found');
  });
});

describe('GET /stats', () => {
  it('returns unsigned integer totals that include everything seeded, cached for at most 60 s', async () => {
    const { status, body, res } = await registryStats();
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual([
      'total_downloads',
      'total_packages',
      'total_users',
      'total_versions',
      'updated_at',
    ]);
    for (const key of ['total_packages', 'total_versions', 'total_downloads', 'total_users']) {
      const value = body[key as keyof typeof body];
      expect(Number.isInteger(value) && Number(value) >= 0, key).toBe(true);
    }
    // Other test files write to the same database, so only lower bounds hold.
    expect(body.total_packages).toBeGreaterThanOrEqual(seeded.length);
    expect(body.total_versions).toBeGreaterThanOrEqual(seeded.reduce((n, p) => n + p.versions.length, 0));
    expect(body.total_downloads).toBeGreaterThanOrEqual(seeded.reduce((n, p) => n + p.downloads, 0));
    expect(body.total_users).toBeGreaterThanOrEqual(1);
    expect(body.updated_at).toMatch(ISO);
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(60);
  });

  it('serves the same numbers again within the cache lifetime', async () => {
    const first = await registryStats();
    // A new package now must not show until the cached numbers expire.
    await seedRegistry(`${token}b`, realisticRegistry(`${token}b`).slice(0, 1));
    const second = await registryStats();
    expect(second.body).toEqual(first.body);
    const age = Math.floor((Date.now() - Date.parse(first.body.updated_at)) / 1000);
    expect(Number(/max-age=(\d+)/.exec(second.res.headers.get('cache-control') ?? '')?.[1])).toBeLessThanOrEqual(
      60 - age,
    );
  });
});
