import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { plainText, refusesControlChars, safeText } from '../../src/lib/text-rules';

describe('refusesControlChars', () => {
  it.each([
    ['ANSI escape', '\u001b[31mred'],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['tab', 'a\tb'],
    ['DEL', 'a\u007f'],
    ['C1 CSI', 'a\u009bb'],
    ['right-to-left override', 'cod\u202eexe.sh'],
    ['left-to-right embedding', '\u202aa'],
    ['isolate', 'a\u2066b\u2069'],
    ['first strong isolate', '\u2068x'],
    ['left-to-right mark', 'a\u200e'],
    ['right-to-left mark', 'a\u200f'],
  ])('refuses %s', (_, text) => {
    expect(refusesControlChars(text)).toBe(true);
  });

  it.each(['ci token', 'déploiement', '日本語', 'emoji 🚀', 'zero\u200bwidth space is not a control', 'a-b_c.d'])(
    'accepts %j',
    (text) => {
      expect(refusesControlChars(text)).toBe(false);
    },
  );
});

describe('safeText and plainText', () => {
  it('fail zod parsing on control characters and keep the wrapped rules', () => {
    expect(safeText.safeParse('fine').success).toBe(true);
    expect(safeText.safeParse('\u001b[2J').success).toBe(false);
    const name = plainText(z.string().min(1).max(5));
    expect(name.safeParse('ok').success).toBe(true);
    expect(name.safeParse('toolong').success).toBe(false);
    expect(name.safeParse('a\u202eb').success).toBe(false);
  });
});
