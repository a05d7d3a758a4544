import { describe, expect, it } from 'vitest';
import { MAX_SEARCH_TERMS, searchTerms } from '../../src/lib/search-terms';

describe('searchTerms', () => {
  it('lower-cases and trims the name form, and strips separators for the canonical form', () => {
    expect(searchTerms('  Raven-Forms ')).toEqual({
      name: 'raven-forms',
      canonical: 'ravenforms',
      words: ['raven', 'forms'],
    });
    expect(searchTerms('raven forms').canonical).toBe('ravenforms');
  });

  it('keeps only letter and digit runs, so nothing reaches tsquery syntax', () => {
    expect(searchTerms(`a:* & b | !c ' (d) <-> e\\f`).words).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(searchTerms('!!! ***').words).toEqual([]);
    expect(searchTerms('i18n café ＦＯＲＭＳ').words).toEqual(['i18n', 'café', 'forms']);
  });

  it('drops repeated words and caps their number', () => {
    expect(searchTerms('forms forms FORMS').words).toEqual(['forms']);
    const many = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
    expect(searchTerms(many).words).toHaveLength(MAX_SEARCH_TERMS);
  });
});
