// Turns a free-text search into what the search query needs, without ever
// letting user text reach tsquery syntax: only letter/digit runs survive.

/** More words than this add cost, not precision. */
export const MAX_SEARCH_TERMS = 8;

export type SearchTerms = {
  /** Lower-cased, trimmed query: compared with names (exact match, trigrams). */
  name: string;
  /** The query as a canonical name (no separators), so `raven forms` is an exact hit for `raven-forms`. */
  canonical: string;
  /** Distinct lower-case letter/digit runs, at most MAX_SEARCH_TERMS: safe inside `to_tsquery`. */
  words: string[];
};

export function searchTerms(q: string): SearchTerms {
  const name = q.trim().toLowerCase();
  const runs = name.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
  return { name, canonical: runs.join(''), words: [...new Set(runs)].slice(0, MAX_SEARCH_TERMS) };
}
