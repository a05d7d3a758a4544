import { beforeAll, describe, expect, it } from 'vitest';
import { api, read } from '../helpers/api';
import { callJson } from '../helpers/client';
import { expectError } from '../helpers/contract';
import { realisticRegistry, type SeededPackage, seedRegistry, seedToken } from '../helpers/seed';

const token = seedToken();
let seeded: SeededPackage[];

type Member = { name: string; version: string; description: string; downloads: number };

/** Every page of a category, checking the paging as it goes. */
async function allOf(category: string, pageSize = 100): Promise<{ total: number; packages: Member[] }> {
  const packages: Member[] = [];
  let total = 0;
  for (let offset = 0; offset === 0 || offset < total; offset += pageSize) {
    const { status, body } = await read(
      api().packages.categories[':category'].$get({
        param: { category },
        query: { limit: String(pageSize), offset: String(offset) },
      }),
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ category, limit: pageSize, offset });
    total = body.total;
    packages.push(...body.packages);
  }
  expect(packages).toHaveLength(total);
  return { total, packages };
}
const ours = (rows: Member[]) =>
  rows.filter((r) => r.name.endsWith(`-${token}`)).map((r) => r.name.slice(0, -token.length - 1));

beforeAll(async () => {
  seeded = await seedRegistry(token, realisticRegistry(token));
});

describe('GET /packages/categories/:category', () => {
  it('holds a package when raven.toml lists the category or a keyword names it', async () => {
    const ui = ours((await allOf('ui')).packages);
    expect(ui).toContain('pixel-grid'); // categories = ["ui"] only
    expect(ui).toContain('raven-forms'); // keyword "ui" only
    expect(ui).toContain('rocket-charts');
    expect(ui).not.toContain('color-math'); // "UI" in the description only
    expect(ui).not.toContain('forms-ghost'); // category ui, but every version yanked
    expect(ui.sort()).toEqual(['form-wizard', 'icon-set', 'pixel-grid', 'raven-forms', 'rocket-charts']);
  });

  it('applies the same rule to every category', async () => {
    const expected: Record<string, string[]> = {
      http: ['mock-server', 'raven-http', 'retry-fetch'],
      database: ['kv-cache', 'pg-lite-client'],
      testing: ['mock-server', 'spec-runner'],
      utilities: ['schema-check'],
      // web-app-kit says "framework": the rule is the exact category word.
      frameworks: ['kitchen-sink'],
      tools: ['cli-args', 'spec-runner', 'steady-logger', 'store-devtools'],
    };
    for (const [category, members] of Object.entries(expected)) {
      expect(ours((await allOf(category)).packages).sort(), category).toEqual(members);
    }
  });

  it('lists the most downloaded first with the latest version and denormalised downloads', async () => {
    const { packages } = await allOf('tools');
    for (let i = 1; i < packages.length; i++)
      expect(packages[i - 1]!.downloads).toBeGreaterThanOrEqual(packages[i]!.downloads);
    for (const p of packages.filter((r) => r.name.endsWith(`-${token}`))) {
      const seed = seeded.find((s) => s.name === p.name)!;
      expect(p).toEqual({
        name: seed.name,
        version: seed.latestVersion,
        description: seed.description,
        downloads: seed.downloads,
      });
    }
  });

  it('pages disjointly, and the pages add up to total', async () => {
    const whole = await allOf('ui');
    const paged = await allOf('ui', 2);
    expect(paged.total).toBe(whole.total);
    expect(new Set(paged.packages.map((p) => p.name)).size).toBe(paged.packages.length);
    expect(ours(paged.packages)).toEqual(ours(whole.packages));
  });

  it('defaults to 20 per page and accepts the category in any case', async () => {
    const { status, body } = await read(
      api().packages.categories[':category'].$get({ param: { category: 'UI' }, query: {} }),
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ category: 'ui', limit: 20, offset: 0 });
    expect(body.packages.length).toBeLessThanOrEqual(20);
  });

  it.each(['gaming', 'web-programming', 'ui-kit'])('unknown category %s → 404 not_found', async (category) => {
    const reply = await read(api().packages.categories[':category'].$get({ param: { category }, query: {} }));
    expectError(reply, 'not_found', { message: expect.stringContaining('categor') });
  });

  it.each([
    ['negative limit', '?limit=-1', 'limit'],
    ['non-numeric offset', '?offset=x', 'offset'],
    ['limit over 100', '?limit=101', 'limit'],
  ])('%s → 400 invalid_request', async (_label, query, field) => {
    const { status, body } = await callJson(`/packages/categories/ui${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_request' });
    expect(Object.keys(body.details.fields)).toContain(field);
  });
});
