// Token package patterns: globs where `*` stands for any run of characters and
// every other character is itself. Matched without building a RegExp from user
// input (a pattern like `*a*a*a*a*b` made the old regex backtrack for seconds).
//
// A star-only glob splits into literal segments: the first must be a prefix,
// the last a suffix, and each middle one can be placed at its leftmost
// occurrence after the previous one (leftmost never loses: it leaves the most
// room for the rest). Each segment is found with Knuth-Morris-Pratt, and the
// scans never overlap, so the work is linear in pattern + name.

/** At most this many `*` in a token's package pattern (checked when the token is created). */
export const MAX_PATTERN_STARS = 4;

/** Optional counter of character comparisons, for tests that bound the work. */
export interface GlobStats {
  steps: number;
}

export function countStars(pattern: string): number {
  let n = 0;
  for (const ch of pattern) if (ch === '*') n += 1;
  return n;
}

export function globMatch(pattern: string, text: string, stats: GlobStats = { steps: 0 }): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (first.length + last.length > text.length) return false;
  if (!equalAt(text, first, 0, stats)) return false;
  const end = text.length - last.length;
  if (!equalAt(text, last, end, stats)) return false;
  let pos = first.length;
  for (const segment of parts.slice(1, -1)) {
    if (segment === '') continue;
    const at = indexOf(text, segment, pos, end, stats);
    if (at < 0) return false;
    pos = at + segment.length;
  }
  return true;
}

function equalAt(text: string, literal: string, at: number, stats: GlobStats): boolean {
  for (let i = 0; i < literal.length; i++) {
    stats.steps += 1;
    if (text[at + i] !== literal[i]) return false;
  }
  return true;
}

/** First index >= from where `needle` lies wholly before `end`, or -1 (KMP). */
function indexOf(text: string, needle: string, from: number, end: number, stats: GlobStats): number {
  const fail = failureTable(needle, stats);
  let k = 0;
  for (let i = from; i < end; i++) {
    stats.steps += 1;
    while (k > 0 && text[i] !== needle[k]) {
      k = fail[k - 1] ?? 0;
      stats.steps += 1;
    }
    if (text[i] === needle[k]) k += 1;
    if (k === needle.length) return i - needle.length + 1;
  }
  return -1;
}

function failureTable(needle: string, stats: GlobStats): number[] {
  const fail = new Array<number>(needle.length).fill(0);
  let k = 0;
  for (let i = 1; i < needle.length; i++) {
    stats.steps += 1;
    while (k > 0 && needle[i] !== needle[k]) {
      k = fail[k - 1] ?? 0;
      stats.steps += 1;
    }
    if (needle[i] === needle[k]) k += 1;
    fail[i] = k;
  }
  return fail;
}

/**
 * Whether every name `inner` matches is also matched by `outer`. Matching
 * `outer` against `inner`'s own text works because an `inner` star can only be
 * consumed by an `outer` star (pattern letters never equal `*`), and that star
 * can then swallow whatever the inner star stands for. Sound, and conservative
 * in corner cases: it may say no where a cleverer check would say yes, never
 * the reverse.
 */
export function globWithin(inner: string, outer: string): boolean {
  return globMatch(outer, inner);
}
