// Package search inside Postgres: one statement per search (matches, score,
// page and total together).
//
// Cost: only a bounded candidate set is scored (SEARCH_BOUNDS: pool 100,
// popularScan 1000). A query is first tried on the `popularScan` most
// downloaded packages (search_popular: their documents in rank order, as the
// cron last ranked them; read in order, stopping at `pool` + 1 matches). If it
// matches more than `pool` of them it is broad: those popular matches (checked
// against their package rows) and the exact name are what is ranked, later pages
// are empty, and `total` is estimated from a fixed-size sample of packages
// (`total_is_estimate: true`), so a broad query costs the same at any registry
// size. Otherwise every match is read from the GIN index and `total` is exact;
// the candidates are the `pool` most downloaded matches, the `pool` most
// downloaded name matches and the exact name, which is every match, ranked
// exactly as before, whenever there are at most `pool`. (Still growing with
// size: a word rare among popular packages but common in the long tail costs in
// proportion to its matches, a last-word prefix (`rav` -> every `ravensone`) in
// proportion to the documents holding its words, and the typo fallback in proportion to the
// names sharing the query's trigrams.) The planner is never left to
// choose between walking by downloads and the GIN index: for words it has no
// statistics on, it guesses 2.5% of rows and would walk the whole table for a
// word nobody uses.
//
// Words: each query word matches its English stem (`forms` -> form, so
// `validation` also finds validator); the last one, from three letters on,
// also any word it starts (`rout` -> router), as search-as-you-type engines
// do ("prefix last"): a prefix costs in proportion to the documents holding
// the words it starts, so `raven-fomrs` reads only `raven`'s postings, not
// those of every `ravensone`. Prefixes are taken on the word as typed, not its
// stem, so `forms` does not drag in `format`. Stop words are dropped.
//
// Matching: a package matches when every query word is somewhere in its
// weighted search document (generated column, GIN). When the words match no
// package at all and the query looks like a name (one token), names that are
// trigram-similar to it match instead (pg_trgm GIN: `<%`, word similarity >=
// 0.6: the query against its best-matching stretch of the name), so a
// misspelt name like `raven-fomrs` still finds raven-forms. One operator, so
// one index scan: adding whole-name similarity (`%`) read the same trigram
// postings a second time for names it rarely added. Trigrams are a fallback rather than an alternative
// because comparing every name costs far more than the word lookup, and the
// planner cannot see that cost. Packages with no live version are out.
//
// Score, in [0, 1]:
//   1                                                    exact name (or canonical name: `raven forms`)
//   0.50 * name + 0.30 * keywords + 0.15 * description   otherwise (at most 0.95)
// where keywords/description = share of the query words found in that field and
// name = mean of (share of words found in the name, trigram similarity of the
// name to the query). Each field's weight exceeds the sum of the weights below
// it, so a full name match outranks anything matched only in keywords and
// description, and keywords outrank description. The score is rounded to two
// decimals so near-equal relevance is decided by downloads, then name.
// Deprecated packages sort after live ones whatever their score.
import { type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { searchTerms } from '../lib/search-terms';
import { counter } from './counters';

export type SearchHit = {
  name: string;
  version: string;
  description: string;
  keywords: string[];
  downloads: number;
  score: number;
};

export type SearchPage = {
  total: number;
  /** True for a broad query (see above): `total` is a sampled estimate. */
  totalIsEstimate: boolean;
  results: SearchHit[];
};

export type SearchBounds = {
  /** Candidates per branch (a page is at most 100). */
  pool: number;
  /** How many of the most downloaded packages a query is first tried on: one matching more than `pool` of them is broad. */
  popularScan: number;
};

const SEARCH_BOUNDS: SearchBounds = { pool: 100, popularScan: 1000 };
/** Packages in search_sample (drawn by TABLESAMPLE SYSTEM_ROWS) to estimate a broad query's total. */
const ESTIMATE_SAMPLE = 500;

type Weight = '' | 'A' | 'B' | 'C';

/**
 * The tsquery for one word, optionally limited to one weight (A name,
 * B keywords, C description). Built from bound parameters with immutable
 * functions only, so Postgres folds it to a constant once per statement. The
 * word is letters and digits only (searchTerms), so the suffixes are always
 * valid tsquery syntax.
 */
function wordQuery(word: string, weight: Weight, prefix: boolean): SQL {
  const stem = sql`to_tsquery('english', ${weight ? `${word}:${weight}` : word})`;
  return prefix && word.length >= 3 ? sql`(${stem} || to_tsquery('simple', ${`${word}:*${weight}`}))` : stem;
}

/** Only the last word is taken as a prefix (the one still being typed). */
const isLast = (words: string[], i: number) => i === words.length - 1;

/** True unless the word is an English stop word, which matches nothing. */
const counts = (word: string) => sql`(numnode(to_tsquery('english', ${word})) > 0)`;

/** Share of the counted words found in the given field of the document, as a per-row expression. */
function share(words: string[], weight: Weight): SQL {
  if (words.length === 0) return sql`0`;
  const hits = words.map(
    (w, i) => sql`(${counts(w)} and p.search_document @@ ${wordQuery(w, weight, isLast(words, i))})::int`,
  );
  const counted = words.map((w) => sql`${counts(w)}::int`);
  return sql`coalesce((${sql.join(hits, sql` + `)})::float8 / nullif(${sql.join(counted, sql` + `)}, 0), 0)`;
}

/** One token no longer than a package name: worth comparing with names by trigrams. */
const isNameLike = (q: string) => q.length > 0 && q.length <= 64 && !/\s/.test(q);

/** Every counted word, ANDed, optionally within one weight; stop words become '' which && ignores. No words: matches nothing. */
function allOf(words: string[], weight: Weight): SQL {
  if (words.length === 0) return sql`''::tsquery`;
  return sql`(${sql.join(
    words.map(
      (w, i) => sql`(case when ${counts(w)} then ${wordQuery(w, weight, isLast(words, i))} else ''::tsquery end)`,
    ),
    sql` && `,
  )})`;
}

export async function searchPackages(
  db: Queryable,
  params: { q: string; limit: number; offset: number },
  bounds: SearchBounds = SEARCH_BOUNDS,
): Promise<SearchPage> {
  const { pool, popularScan } = bounds;
  const terms = searchTerms(params.q);
  const { words } = terms;
  const allWords = allOf(words, '');
  const live = sql`p.latest_version is not null`;
  const similarName = sql`(${terms.name} <% p.name)`;
  // Typo fallback: names similar to the query, only when no package matched the words.
  const typos = isNameLike(terms.name)
    ? sql`select p.id from packages p
          where ${live} and not exists (select 1 from popular) and not exists (select 1 from matches)
            and ${similarName}
          order by p.downloads desc, p.name limit ${pool + 1}`
    : sql`select null::uuid as id where false`;
  const result = await db.execute<{ total: number; total_is_estimate: boolean; results: SearchHit[] }>(sql`
    with popular as (
      select s.package_id as id from search_popular s
      where s.rank <= ${popularScan} and s.search_document @@ ${allWords}
      order by s.rank
      limit ${pool + 1}
    ),
    broad as (select count(*) > ${pool} as yes from popular),
    matches as (
      select p.id, p.downloads, p.name, p.search_document from packages p
      where not (select yes from broad) and ${live} and p.search_document @@ ${allWords}
    ),
    typos as (${typos}),
    counted as (
      select (select yes from broad) as broad, (select count(*) from matches) as matches,
        (select count(*) from typos) as typos
    ),
    candidates as (
      select k.id from popular k where (select yes from broad)
      union select id from (select id from matches order by downloads desc, name limit ${pool}) m
      union select id from (
        select id from matches where search_document @@ ${allOf(words, 'A')}
        order by downloads desc, name limit ${pool}
      ) n
      union select p.id from packages p
        where ${live} and (p.name = ${terms.name} or p.canonical_name = ${terms.canonical})
          and p.search_document @@ ${allWords}
      union select id from typos
    ),
    scored as (
      select p.name, p.latest_version, p.description, p.keywords, p.downloads,
        p.deprecated_at is not null as deprecated,
        case when p.name = ${terms.name} or p.canonical_name = ${terms.canonical} then 1::float8
        else round((
            0.50 * (${share(words, 'A')}
                    + greatest(similarity(p.name, ${terms.name}), word_similarity(${terms.name}, p.name))) / 2
          + 0.30 * ${share(words, 'B')}
          + 0.15 * ${share(words, 'C')}
        )::numeric, 2)::float8 end as score
      from candidates k join packages p on p.id = k.id
      -- Popular candidates come from a table up to a minute old: checked here, on the row scored (typos match no words).
      where ${live} and (p.search_document @@ ${allWords} or exists (select 1 from typos))
    ),
    page as (
      select * from scored
      order by deprecated, score desc, downloads desc, name
      limit ${params.limit} offset ${params.offset}
    )
    select
      case when not c.broad and c.typos <= ${pool} then c.matches + c.typos
      else greatest(${pool + 1}, (
        select round(count(*) filter (
            where p.live and (case when c.broad then p.search_document @@ ${allWords} else ${similarName} end)
          )::float8 / greatest(count(*), 1) * ${counter(sql`'packages'`)})
        from search_sample p
      )) end::int as total,
      c.broad or c.typos > ${pool} as total_is_estimate,
      coalesce((
        select json_agg(json_build_object(
          'name', name, 'version', latest_version, 'description', description,
          'keywords', keywords, 'downloads', downloads, 'score', score
        ) order by deprecated, score desc, downloads desc, name)
        from page
      ), '[]'::json) as results
    from counted c`);
  const row = result.rows[0];
  return {
    total: Number(row?.total ?? 0),
    totalIsEstimate: Boolean(row?.total_is_estimate),
    results: row?.results ?? [],
  };
}

/**
 * The cron's step, in one statement: search_popular becomes the `size` most
 * downloaded live packages' documents in rank order (rows that did not change
 * are not rewritten) and search_sample a new random draw; slots past the new
 * end are dropped.
 */
export async function refreshSearchPopular(db: Queryable, size = SEARCH_BOUNDS.popularScan): Promise<void> {
  await db.execute(sql`
    with drawn as (
      select row_number() over ()::int as slot, p.name, p.latest_version is not null as live, p.search_document
      from packages p tablesample system_rows(${ESTIMATE_SAMPLE})
    ),
    unsampled as (delete from search_sample where slot > (select count(*) from drawn) returning 1),
    sampled as (
      insert into search_sample (slot, name, live, search_document)
      select slot, name, live, search_document from drawn
      on conflict (slot) do update
        set name = excluded.name, live = excluded.live, search_document = excluded.search_document
      returning 1
    ),
    fresh as (
      select row_number() over (order by r.downloads desc, r.name)::int as rank, p.id, p.search_document
      from package_ranks r join packages p on p.id = r.package_id
      where r.live and p.latest_version is not null
      order by r.downloads desc, r.name
      limit ${size}
    ),
    trimmed as (delete from search_popular where rank > (select count(*) from fresh) returning 1)
    insert into search_popular (rank, package_id, search_document)
    select rank, id, search_document from fresh
    on conflict (rank) do update set package_id = excluded.package_id, search_document = excluded.search_document
      where search_popular.package_id <> excluded.package_id
        or search_popular.search_document <> excluded.search_document`);
}
