// Package search inside Postgres: one statement per search (matches, score,
// page and total together).
//
// Words: each query word matches its English stem (`forms` -> form, so
// `validation` finds validator) or, from three letters on, any word it starts
// (`rout` -> router). Prefixes are taken on the word as typed, not its stem, so
// `forms` does not drag in `format`. Stop words are dropped.
//
// Matching: a package matches when its weighted search document (generated
// column, GIN) contains any query word, or its name is trigram-similar to the
// query (pg_trgm GIN: `%` whole-name similarity >= 0.3 catches typos like
// `raven-fomrs`; `<%` word similarity >= 0.6 catches partial names). Packages
// with no live version are out.
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
import { sql } from 'drizzle-orm';
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

export async function searchPackages(
  db: Queryable,
  params: { q: string; limit: number; offset: number },
): Promise<SearchPage> {
  const terms = searchTerms(params.q);
  const words = sql`array[${sql.join(
    terms.words.map((w) => sql`${w}`),
    sql`, `,
  )}]::text[]`;
  const result = await db.execute<{ total: number; results: SearchHit[] }>(sql`
    with stems as (
      select w, to_tsquery('english', w) as stem from unnest(${words}) as w
    ),
    words as (
      select case when length(w) >= 3 then stem || to_tsquery('simple', w || ':*') else stem end as q
      from stems
      where numnode(stem) > 0
    ),
    query as (
      select coalesce(string_agg('(' || q::text || ')', ' | '), '')::tsquery as q from words
    ),
    matched as (
      select p.name, p.latest_version, p.description, p.keywords, p.downloads, p.deprecated_at,
        p.search_document,
        (p.name = ${terms.name} or p.canonical_name = ${terms.canonical}) as exact,
        greatest(similarity(p.name, ${terms.name}), word_similarity(${terms.name}, p.name)) as name_trigram
      from packages p
      where p.latest_version is not null
        and (
          p.search_document @@ (select q from query)
          or p.name % ${terms.name}
          or ${terms.name} <% p.name
        )
    ),
    scored as (
      select m.name, m.latest_version, m.description, m.keywords, m.downloads,
        m.deprecated_at is not null as deprecated,
        case when m.exact then 1::float8 else round((
            0.50 * (coalesce(c.name_share, 0) + m.name_trigram) / 2
          + 0.30 * coalesce(c.keyword_share, 0)
          + 0.15 * coalesce(c.description_share, 0)
        )::numeric, 2)::float8 end as score
      from matched m
      cross join lateral (
        select
          avg((ts_filter(m.search_document, '{a}') @@ w.q)::int) as name_share,
          avg((ts_filter(m.search_document, '{b}') @@ w.q)::int) as keyword_share,
          avg((ts_filter(m.search_document, '{c}') @@ w.q)::int) as description_share
        from words w
      ) c
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
