import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { refreshSearchPopular, type SearchBounds, searchPackages } from '../../src/services/search';
import { api, expectReply } from '../helpers/api';
import { callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { realisticRegistry, type SeededPackage, seedRegistry, seedToken } from '../helpers/seed';

// Every seeded name ends in the token; assertions look at the order of our own
// rows only, because other test files publish into the same database.
const token = seedToken();
const name = (base: string) => `${base}-${token}`;
let seeded: SeededPackage[];

/** A search that must succeed; `extra` is more of the query string (`&limit=100`). */
async function search(query: string, extra = '') {
  const more = Object.fromEntries(new URLSearchParams(extra));
  return (await expectReply(api().search.$get({ query: { ...more, q: query } }), 200)).body;
}
type Hit = Awaited<ReturnType<typeof search>>['results'][number];

/** Our own result names, in result order, without the token. */
const ours = (results: Hit[]) =>
  results.filter((r) => r.name.endsWith(`-${token}`)).map((r) => r.name.slice(0, -token.length - 1));

beforeAll(async () => {
  seeded = await seedRegistry(token, realisticRegistry(token));
});

describe('GET /search ranking', () => {
  it('puts raven-forms first for "forms validation": name beats keywords beats description, whatever the downloads', async () => {
    const { results } = await search('forms validation', '&limit=100');
    const order = ours(results);
    // schema-check has both words in keywords and description and 10x the
    // downloads; kitchen-sink has both in its description only and 30x.
    expect(order[0]).toBe('raven-forms');
    expect(order.indexOf('raven-forms')).toBeLessThan(order.indexOf('schema-check'));
    expect(order.indexOf('schema-check')).toBeLessThan(order.indexOf('kitchen-sink'));
    const score = (n: string) => results.find((r) => r.name === name(n))!.score;
    expect(score('raven-forms')).toBeGreaterThan(score('schema-check'));
    expect(score('schema-check')).toBeGreaterThan(score('kitchen-sink'));
  });

  it('needs every word somewhere: a package with "forms" but not "validation" is left out', async () => {
    const order = ours((await search('forms validation', '&limit=100')).results);
    expect(order).not.toContain('form-wizard');
    expect(ours((await search('forms', '&limit=100')).results)).toContain('form-wizard');
  });

  it('ranks a deprecated perfect match below every live result', async () => {
    const { results } = await search('forms validation', '&limit=100');
    const order = ours(results);
    expect(order.at(-1)).toBe('forms-validation');
    expect(results.find((r) => r.name === name('forms-validation'))!.score).toBeGreaterThan(
      results.find((r) => r.name === name('raven-forms'))!.score,
    );
  });

  it('finds raven-router for "routing" and for the partial name "rout"', async () => {
    expect(ours((await search('routing', '&limit=100')).results)[0]).toBe('raven-router');
    expect(ours((await search('rout', '&limit=100')).results)[0]).toBe('raven-router');
  });

  it('still finds a name with a one-letter typo, and ranks it first', async () => {
    // No package has the word "fomrs": only trigram similarity to the name can find it.
    for (const [typo, meant] of [
      ['raven-fomrs', 'raven-forms'],
      ['raven-routr', 'raven-router'],
      ['pixel-gird', 'pixel-grid'],
      [`raven-i18m-${token}`, 'raven-i18n'],
    ]) {
      const order = ours((await search(typo!, '&limit=100')).results);
      expect(order[0], typo).toBe(meant);
    }
  });

  it('scores an exact name 1 and puts it first, also when typed with spaces', async () => {
    for (const q of [name('raven-http'), `raven http ${token}`]) {
      const { results } = await search(q);
      expect(results[0]).toMatchObject({ name: name('raven-http'), score: 1 });
    }
  });

  it('breaks equal relevance by downloads, not by name', async () => {
    // retry-fetch and mock-server both have "http" as keyword and in the description.
    const { results } = await search('http', '&limit=100');
    const retry = results.find((r) => r.name === name('retry-fetch'))!;
    const mock = results.find((r) => r.name === name('mock-server'))!;
    expect(retry.score).toBe(mock.score);
    expect(retry.downloads).toBeGreaterThan(mock.downloads);
    expect(results.indexOf(retry)).toBeLessThan(results.indexOf(mock));
    expect(ours(results)[0]).toBe('raven-http');
  });

  it('returns the contract fields with strings never null and scores in [0, 1]', async () => {
    const { results } = await search(token, '&limit=100');
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(Object.keys(r).sort()).toEqual(['description', 'downloads', 'keywords', 'name', 'score', 'version']);
      expect(typeof r.name).toBe('string');
      expect(typeof r.version).toBe('string');
      expect(typeof r.description).toBe('string');
      expect(r.keywords).toContain(token);
      expect(Number.isInteger(r.downloads) && r.downloads >= 0).toBe(true);
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      const seed = seeded.find((p) => p.name === r.name)!;
      expect(r.version).toBe(seed.latestVersion);
      expect(r.downloads).toBe(seed.downloads);
    }
  });

  it('leaves out packages whose every version is yanked', async () => {
    const all = ours((await search(token, '&limit=100')).results);
    expect(all).not.toContain('forms-ghost');
    expect(ours((await search('forms validation', '&limit=100')).results)).not.toContain('forms-ghost');
    expect(ours((await search(name('forms-ghost'), '&limit=100')).results)).not.toContain('forms-ghost');
  });
});

describe('GET /search paging', () => {
  it('counts every match in total and pages through them disjointly', async () => {
    const live = seeded.filter((p) => p.latestVersion !== null).map((p) => p.name);
    const whole = await search(token, '&limit=100');
    expect(whole.total).toBe(live.length);
    expect(whole.total_is_estimate).toBe(false);
    expect(whole.results.map((r) => r.name).sort()).toEqual([...live].sort());

    const pages: string[][] = [];
    for (let offset = 0; offset < whole.total; offset += 7) {
      const page = await search(token, `&limit=7&offset=${offset}`);
      expect(page).toMatchObject({ total: whole.total, limit: 7, offset });
      pages.push(page.results.map((r) => r.name));
    }
    const flat = pages.flat();
    expect(new Set(flat).size).toBe(flat.length);
    expect(flat).toEqual(whole.results.map((r) => r.name));
  });

  it('defaults to 20 results and keeps total past the last page', async () => {
    const first = await search(token);
    expect(first).toMatchObject({ limit: 20, offset: 0 });
    expect(first.results).toHaveLength(20);
    const past = await search(token, '&offset=500');
    expect(past).toMatchObject({ results: [], total: first.total, offset: 500 });
  });

  it('finds nothing, with total 0, for stop words, punctuation or gibberish', async () => {
    expect(ours((await search('the', '&limit=100')).results)).toEqual([]);
    expect(await search('!!!')).toMatchObject({ total: 0, results: [] });
    expect(await search('qqqjjjwwwkkk')).toMatchObject({ total: 0, results: [] });
  });
});

describe('search beyond its candidate bounds', () => {
  // 305 packages with a download mention the word only in their description;
  // one never downloaded package has it in its name and one is named exactly
  // it. The service is called with small bounds, so the outcome does not depend
  // on what else this shared database holds. The downloads are one each and
  // long ago: trending's lists (other files) stay as they were.
  const broad = seedToken();
  const word = `${broad}w`;
  const bulk = (i: number) => `bulk-${String(i).padStart(3, '0')}-${broad}`;
  // search_popular ranked over every package (the cron keeps only the first 1000), in the search's own
  // transaction: a cron run elsewhere cannot re-rank it in between.
  const run = (bounds: SearchBounds, offset = 0) =>
    withDb((db) =>
      db.transaction(async (tx) => {
        await refreshSearchPopular(tx, 1_000_000);
        return searchPackages(tx, { q: word, limit: 5, offset }, bounds);
      }),
    );
  beforeAll(async () => {
    const one = (name: string, description: string, downloads: number) => ({
      name,
      description,
      keywords: [broad],
      versions: [{ version: '1.0.0', downloads: (downloads ? { 400: downloads } : {}) as Record<number, number> }],
    });
    await seedRegistry(broad, [
      ...Array.from({ length: 305 }, (_, i) => one(bulk(i + 1), `Bulk package ${word}`, 1)),
      one(`${word}-kit`, 'The kit', 0),
      one(word, 'The exact one', 0),
    ]);
  }, 120_000);

  it('ranks a broad query within its most downloaded matches, exact name first, with an estimated total', async () => {
    // Every package is "popular" here: more than 5 of them match, so the query is broad.
    const page = await run({ pool: 5, popularScan: 1_000_000 });
    // Equal downloads: by name.
    expect(page.results.map((r) => r.name)).toEqual([word, bulk(1), bulk(2), bulk(3), bulk(4)]);
    expect(page.totalIsEstimate).toBe(true);
    expect(page.total).toBeGreaterThan(5);
    // The 6 popular matches and the exact name are all that is ranked: page 2 ends it.
    expect((await run({ pool: 5, popularScan: 1_000_000 }, 5)).results).toHaveLength(2);
    expect((await run({ pool: 5, popularScan: 1_000_000 }, 10)).results).toEqual([]);
  });

  it("the cron's step ranks every live package into search_popular (up to its size) and draws search_sample", async () => {
    // One snapshot for the refresh and the counts: other files publish meanwhile. The lock comes first
    // (it takes no snapshot): a cron run elsewhere rewriting the tables would fail this transaction.
    const counts = await withDb((db) =>
      db.transaction(
        async (tx) => {
          await tx.execute(sql`lock table search_popular, search_sample in exclusive mode`);
          await refreshSearchPopular(tx, 1_000_000);
          const { rows } = await tx.execute<{ popular: number; live: number; sample: number; packages: number }>(sql`
            select (select count(*) from search_popular)::int as popular,
              (select count(*) from package_ranks r join packages p on p.id = r.package_id
                where r.live and p.latest_version is not null)::int as live,
              (select count(*) from search_sample)::int as sample,
              (select count(*) from packages)::int as packages`);
          return rows[0]!;
        },
        { isolationLevel: 'repeatable read' },
      ),
    );
    expect(counts.popular).toBe(counts.live);
    expect(counts.sample).toBe(Math.min(500, counts.packages));
  });

  it('checks popular documents against their package rows: one yanked since the cron ranked it is left out', async () => {
    const rolledBack = new Error('roll back');
    let names: string[] = [];
    await withDb((db) =>
      db.transaction(async (tx) => {
        await refreshSearchPopular(tx, 1_000_000);
        // As a yank leaves it before the next cron run: no live version, still in search_popular.
        await tx.execute(sql`update packages set latest_version = null where name = ${bulk(1)}`);
        const page = await searchPackages(tx, { q: word, limit: 5, offset: 0 }, { pool: 5, popularScan: 1_000_000 });
        names = page.results.map((r) => r.name);
        throw rolledBack;
      }),
    ).catch((err) => {
      if (err !== rolledBack) throw err;
    });
    expect(names).toEqual([word, bulk(2), bulk(3), bulk(4), bulk(5)]);
  });

  it('counts every match of a query that is not broad among popular packages, and ranks name matches above', async () => {
    // No popular package is scanned: all 307 matches come from the index and are counted exactly.
    const page = await run({ pool: 5, popularScan: 0 });
    expect(page).toMatchObject({ total: 307, totalIsEstimate: false });
    expect(page.results.map((r) => r.name)).toEqual([word, `${word}-kit`, bulk(1), bulk(2), bulk(3)]);
  });

  it('answers with the default bounds over HTTP, saying whether the total is estimated', async () => {
    const { total, total_is_estimate, results } = await search(word, '&limit=3');
    expect(typeof total_is_estimate).toBe('boolean');
    expect(results[0]!.name).toBe(word);
    if (!total_is_estimate) expect(total).toBe(307);
  });
});

describe('GET /search bad input', () => {
  const cases: [string, string, string][] = [
    ['missing q', '', 'q'],
    ['blank q', '?q=%20%20%20', 'q'],
    ['huge q', `?q=${'a'.repeat(257)}`, 'q'],
    ['negative limit', '?q=forms&limit=-1', 'limit'],
    ['zero limit', '?q=forms&limit=0', 'limit'],
    ['limit over 100', '?q=forms&limit=101', 'limit'],
    ['non-numeric limit', '?q=forms&limit=ten', 'limit'],
    ['fractional limit', '?q=forms&limit=1.5', 'limit'],
    ['negative offset', '?q=forms&offset=-1', 'offset'],
    ['non-numeric offset', '?q=forms&offset=abc', 'offset'],
  ];
  it.each(cases)('%s → 400 invalid_request naming the field', async (_label, query, field) => {
    const { status, body } = await callJson(`/search${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_request', message: expect.any(String) });
    expect(Object.keys(body.details.fields)).toContain(field);
  });

  it('accepts a query of exactly 256 characters', async () => {
    const { status, body } = await callJson(`/search?q=${'a'.repeat(256)}`);
    expect(status).toBe(200);
    expect(body.total).toBe(0);
  });
});
