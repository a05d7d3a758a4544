import { beforeAll, describe, expect, it } from 'vitest';
import { refreshTrending } from '../../src/services/trending';
import { api, expectReply } from '../helpers/api';
import { callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { realisticRegistry, type SeededPackage, seedRegistry, seedToken } from '../helpers/seed';

const token = seedToken();
const name = (base: string) => `${base}-${token}`;
let seeded: SeededPackage[];

/** A trending list that must succeed; `query` is the query string (`?period=week`). */
async function trending(query: string) {
  const params = Object.fromEntries(new URLSearchParams(query)) as { period?: 'week' | 'month' | 'all' };
  return (await expectReply(api().packages.trending.$get({ query: params }), 200)).body.packages;
}
type Trend = Awaited<ReturnType<typeof trending>>[number];
const ours = (rows: Trend[]) => rows.filter((r) => r.name.endsWith(`-${token}`));
const find = (rows: Trend[], base: string) => rows.find((r) => r.name === name(base));

/** Downloads of a seeded package between `from` and `to` days ago (inclusive), from the seed itself. */
function downloadsBetween(base: string, from: number, to: number): number {
  const p = seeded.find((s) => s.name === name(base))!;
  let sum = 0;
  for (const v of p.versions)
    for (const [ago, count] of Object.entries(v.downloads ?? {})) if (+ago >= from && +ago <= to) sum += count;
  return sum;
}
/** The documented formula, recomputed independently. */
const expectedScore = (current: number, previous: number) =>
  Math.round(((current - previous) / Math.sqrt(previous + 1)) * 1000) / 1000;

beforeAll(async () => {
  seeded = await seedRegistry(token, realisticRegistry(token));
  // Week and month are ranked by the cron; rank them now, as its next run would.
  expect(await withDb((db) => refreshTrending(db, 0))).toEqual(['week', 'month']);
});

describe('GET /packages/trending', () => {
  it('orders a growing package above a bigger flat one over the week', async () => {
    const rows = await trending('?period=week&limit=100');
    const rocket = find(rows, 'rocket-charts')!;
    const steady = find(rows, 'steady-logger')!;
    expect(steady.downloads_period).toBeGreaterThan(rocket.downloads_period);
    expect(rows.indexOf(rocket)).toBeLessThan(rows.indexOf(steady));
    expect(rocket).toMatchObject({
      version: '0.2.0',
      description: 'Animated charts and sparklines',
      downloads_period: downloadsBetween('rocket-charts', 0, 6),
      trend_score: expectedScore(downloadsBetween('rocket-charts', 0, 6), downloadsBetween('rocket-charts', 7, 13)),
    });
    expect(steady).toMatchObject({ downloads_period: 7 * 50, trend_score: 0 });
  });

  it('puts fading packages after flat ones, with a negative score', async () => {
    const rows = await trending('?period=week&limit=100');
    const fading = find(rows, 'fading-date')!;
    expect(fading.trend_score).toBe(expectedScore(2, 320));
    expect(fading.trend_score).toBeLessThan(0);
    expect(rows.indexOf(find(rows, 'steady-logger')!)).toBeLessThan(rows.indexOf(fading));
  });

  it('sorts by trend score, then downloads in the period', async () => {
    const rows = ours(await trending('?period=week&limit=100'));
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      expect(
        a.trend_score > b.trend_score || (a.trend_score === b.trend_score && a.downloads_period >= b.downloads_period),
      ).toBe(true);
    }
  });

  it('compares 30 days with the 30 before for the month', async () => {
    const rows = await trending('?period=month&limit=100');
    const rocket = find(rows, 'rocket-charts')!;
    expect(rocket).toMatchObject({ downloads_period: 111, trend_score: expectedScore(111, 0) });
    expect(find(rows, 'steady-logger')).toMatchObject({ downloads_period: 30 * 50, trend_score: 0 });
    expect(rows.indexOf(rocket)).toBeLessThan(rows.indexOf(find(rows, 'steady-logger')!));
  });

  it('ranks by all-time downloads for period=all', async () => {
    const rows = ours(await trending('?period=all&limit=100'));
    const top = [...seeded]
      .filter((p) => p.latestVersion && p.downloads > 0)
      .sort((a, b) => b.downloads - a.downloads || (a.name < b.name ? -1 : 1));
    expect(rows.map((r) => r.name)).toEqual(top.map((p) => p.name));
    for (const r of rows) expect(r.trend_score).toBe(r.downloads_period);
  });

  it('leaves out yanked-only packages and packages with no downloads in the period', async () => {
    for (const period of ['week', 'month', 'all']) {
      const names = ours(await trending(`?period=${period}&limit=100`)).map((r) => r.name);
      expect(names).not.toContain(name('forms-ghost'));
      expect(names).not.toContain(name('kv-cache'));
    }
    // store-devtools' only downloads 50 days ago belong to neither the week nor the month.
    const week = ours(await trending('?period=week&limit=100'));
    expect(find(week, 'store-devtools')?.downloads_period).toBe(7);
  });

  it('defaults to the week and 10 packages, with counts as unsigned integers', async () => {
    const rows = await trending('');
    expect(rows.length).toBeLessThanOrEqual(10);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['description', 'downloads_period', 'name', 'trend_score', 'version']);
      expect(Number.isInteger(r.downloads_period) && r.downloads_period > 0).toBe(true);
      expect(typeof r.version).toBe('string');
      expect(typeof r.description).toBe('string');
    }
    expect(await trending('?limit=2')).toHaveLength(2);
  });

  it('may be cached for at most five minutes, and says so', async () => {
    const { res } = await callJson('/packages/trending?period=month&limit=5');
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(300);
  });

  it.each([
    ['unknown period', '?period=year', 'period'],
    ['empty period', '?period=', 'period'],
    ['negative limit', '?limit=-3', 'limit'],
    ['non-numeric limit', '?limit=many', 'limit'],
    ['limit over 100', '?limit=1000', 'limit'],
  ])('%s → 400 invalid_request', async (_label, query, field) => {
    const { status, body } = await callJson(`/packages/trending${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_request', message: expect.any(String) });
    expect(Object.keys(body.details.fields)).toContain(field);
  });
});
