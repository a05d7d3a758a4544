// Package search inside Postgres: one statement per search (matches, score,
// page and total together).
//
// Words: each query word matches its English stem (`forms` -> form, so
// `validation` also finds validator) or, from three letters on, any word it
// starts (`rout` -> router). Prefixes are taken on the word as typed, not its
// stem, so `forms` does not drag in `format`. Stop words are dropped.
//
// Matching: a package matches when every query word is somewhere in its
// weighted search document (generated column, GIN). When the words match no
// package at all and the query looks like a name (one token), names that are
// trigram-similar to it match instead (pg_trgm GIN: `%` whole-name similarity
// >= 0.3, `<%` word similarity >= 0.6), so a misspelt name like `raven-fomrs`
// still finds raven-forms. Trigrams are a fallback rather than an alternative
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
  results: SearchHit[];
};

type Weight = '' | 'A' | 'B' | 'C';

/**
 * The tsquery for one word, optionally limited to one weight (A name,
 * B keywords, C description). Built from bound parameters with immutable
 * functions only, so Postgres folds it to a constant once per statement. The
 * word is letters and digits only (searchTerms), so the suffixes are always
 * valid tsquery syntax.
 */
function wordQuery(word: string, weight: Weight): SQL {
  const stem = sql`to_tsquery('english', ${weight ? `${word}:${weight}` : word})`;
  return word.length >= 3 ? sql`(${stem} || to_tsquery('simple', ${`${word}:*${weight}`}))` : stem;
}

/** True unless the word is an English stop word, which matches nothing. */
const counts = (word: string) => sql`(numnode(to_tsquery('english', ${word})) > 0)`;

/** Share of the counted words found in the given field of the document, as a per-row expression. */
function share(words: string[], weight: Weight): SQL {
  if (words.length === 0) return sql`0`;
  const hits = words.map((w) => sql`(${counts(w)} and p.search_document @@ ${wordQuery(w, weight)})::int`);
  const counted = words.map((w) => sql`${counts(w)}::int`);
  return sql`coalesce((${sql.join(hits, sql` + `)})::float8 / nullif(${sql.join(counted, sql` + `)}, 0), 0)`;
}

/** One token no longer than a package name: worth comparing with names by trigrams. */
const isNameLike = (q: string) => q.length > 0 && q.length <= 64 && !/\s/.test(q);

export async function searchPackages(
  db: Queryable,
  params: { q: string; limit: number; offset: number },
): Promise<SearchPage> {
  const terms = searchTerms(params.q);
  const { words } = terms;
  // Every counted word, ANDed; stop words become '' which && ignores. No words: matches nothing.
  const allWords = words.length
    ? sql`(${sql.join(
        words.map((w) => sql`(case when ${counts(w)} then ${wordQuery(w, '')} else ''::tsquery end)`),
        sql` && `,
      )})`
    : sql`''::tsquery`;
  const byName = isNameLike(terms.name)
    ? sql`or (
          not exists (
            select 1 from packages f where f.latest_version is not null and f.search_document @@ ${allWords}
          )
          and (p.name % ${terms.name} or ${terms.name} <% p.name)
        )`
    : sql``;
  const result = await db.execute<{ total: number; results: SearchHit[] }>(sql`
    with scored as (
      select p.name, p.latest_version, p.description, p.keywords, p.downloads,
        p.deprecated_at is not null as deprecated,
        case when p.name = ${terms.name} or p.canonical_name = ${terms.canonical} then 1::float8
        else round((
            0.50 * (${share(words, 'A')}
                    + greatest(similarity(p.name, ${terms.name}), word_similarity(${terms.name}, p.name))) / 2
          + 0.30 * ${share(words, 'B')}
          + 0.15 * ${share(words, 'C')}
        )::numeric, 2)::float8 end as score
      from packages p
      where p.latest_version is not null
        and (p.search_document @@ ${allWords} ${byName})
    ),
    page as (
      select * from scored
      order by deprecated, score desc, downloads desc, name
      limit ${params.limit} offset ${params.offset}
    )
    select
      (select count(*) from scored)::int as total,
      coalesce((
        select json_agg(json_build_object(
          'name', name, 'version', latest_version, 'description', description,
          'keywords', keywords, 'downloads', downloads, 'score', score
        ) order by deprecated, score desc, downloads desc, name)
        from page
      ), '[]'::json) as results`);
  const row = result.rows[0];
  return { total: Number(row?.total ?? 0), results: row?.results ?? [] };
}
