import { describe, expect, it } from 'vitest';
import { countStars, type GlobStats, globMatch, globWithin } from '../../src/lib/glob';

// The old implementation, kept here only as an oracle on short inputs.
const regexOracle = (pattern: string, name: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[-]/g, '\\-'))
      .join('.*')}$`,
  ).test(name);

describe('globMatch', () => {
  it.each([
    ['raven-*', 'raven-ui', true],
    ['raven-*', 'raven-', true],
    ['raven-*', 'raven', false],
    ['*-ui', 'raven-ui', true],
    ['*', '', true],
    ['**', 'abc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['ab*ba', 'abba', true],
    ['raven-ui', 'raven-ui', true],
    ['raven-ui', 'raven-uix', false],
    ['*aab', 'aaab', true],
    ['*ab*ab*', 'xabyab', true],
    ['*ab*ab*', 'xaby', false],
  ])('%s against %s is %s', (pattern, name, expected) => {
    expect(globMatch(pattern, name)).toBe(expected);
  });

  it('agrees with a regex on every short pattern and name over a small alphabet', () => {
    const words = (alphabet: string, max: number) => {
      const out = [''];
      for (let len = 1; len <= max; len++)
        for (const w of out.filter((x) => x.length === len - 1)) for (const ch of alphabet) out.push(w + ch);
      return out;
    };
    const names = words('ab', 5);
    for (const pattern of words('ab*', 4))
      for (const name of names)
        expect(globMatch(pattern, name), `${pattern} ~ ${name}`).toBe(regexOracle(pattern, name));
  });

  it('does linear work on the pattern that made the old regex backtrack for seconds', () => {
    const evil = `${'*a'.repeat(12)}*b`;
    for (const name of ['a'.repeat(60), `${'a'.repeat(59)}c`, `${'a'.repeat(30)}b${'a'.repeat(29)}`]) {
      const stats: GlobStats = { steps: 0 };
      expect(globMatch(evil, name, stats)).toBe(false);
      expect(stats.steps).toBeLessThan(4 * (evil.length + name.length));
    }
    // And when it matches, with the final segment found late.
    const stats: GlobStats = { steps: 0 };
    const name = `${'a'.repeat(59)}b`;
    expect(globMatch(evil, name, stats)).toBe(true);
    expect(stats.steps).toBeLessThan(4 * (evil.length + name.length));
  });

  it('does linear work when a middle segment nearly matches everywhere', () => {
    const pattern = `*${'a'.repeat(30)}b*`;
    const name = 'a'.repeat(64);
    const stats: GlobStats = { steps: 0 };
    expect(globMatch(pattern, name, stats)).toBe(false);
    // Naive search would compare ~30 characters at each of ~34 places (>1000 steps).
    expect(stats.steps).toBeLessThan(4 * (pattern.length + name.length));
  });
});

describe('globWithin', () => {
  it.each([
    ['raven-ui', 'raven-*', true],
    ['raven-ui-*', 'raven-*', true],
    ['raven-*', 'raven-*', true],
    ['raven-*', 'raven-ui-*', false],
    ['*', 'raven-*', false],
    ['raven-*', '*', true],
    ['a*b', 'a*', true],
    ['a*', 'a*b', false],
    ['*-ui', 'raven-*', false],
  ])('%s within %s is %s', (inner, outer, expected) => {
    expect(globWithin(inner, outer)).toBe(expected);
  });
});

describe('countStars', () => {
  it('counts every star', () => {
    expect(countStars('a*b**')).toBe(3);
    expect(countStars('raven')).toBe(0);
  });
});
