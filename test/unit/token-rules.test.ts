import { describe, expect, it } from 'vitest';
import { isSessionKind, narrowGrant, tokenAllows } from '../../src/lib/token-rules';

const open = { scopes: [], packagePattern: null };

describe('isSessionKind', () => {
  it('treats login sessions and web sign-ins as sessions, API tokens not', () => {
    expect(isSessionKind('session')).toBe(true);
    expect(isSessionKind('web')).toBe(true);
    expect(isSessionKind('api')).toBe(false);
  });
});

describe('tokenAllows', () => {
  it('checks the scope and the pattern', () => {
    const ci = { scopes: ['publish'], packagePattern: 'raven-*' };
    expect(tokenAllows(ci, 'publish', 'raven-ui')).toBe(true);
    expect(tokenAllows(ci, 'publish', 'other')).toBe(false);
    expect(tokenAllows(ci, 'yank', 'raven-ui')).toBe(false);
    expect(tokenAllows(open, 'owners', 'anything')).toBe(true);
  });

  it('never matches a pattern against text that is not a package name', () => {
    const ci = { scopes: [], packagePattern: 'raven-*' };
    for (const name of ['raven--x', 'raven-', `raven-${'a'.repeat(64)}`, 'raven-UI', 'raven-ü']) {
      expect(tokenAllows(ci, 'publish', name), name).toBe(false);
    }
  });
});

describe('narrowGrant', () => {
  it('gives an unrestricted creator whatever it asks for', () => {
    expect(narrowGrant(open, { scopes: ['yank'], packagePattern: 'raven-*' })).toEqual({
      scopes: ['yank'],
      packagePattern: 'raven-*',
    });
    expect(narrowGrant(open, {})).toEqual({ scopes: [], packagePattern: null });
  });

  it('refuses scopes the creator lacks, allows a subset', () => {
    const creator = { scopes: ['publish', 'yank'], packagePattern: null };
    expect(narrowGrant(creator, { scopes: ['owners'] })).toBeNull();
    expect(narrowGrant(creator, { scopes: ['publish', 'owners'] })).toBeNull();
    expect(narrowGrant(creator, { scopes: ['yank'] })).toEqual({ scopes: ['yank'], packagePattern: null });
  });

  it('refuses a pattern reaching names the creator cannot, allows a narrower one', () => {
    const creator = { scopes: [], packagePattern: 'raven-*' };
    expect(narrowGrant(creator, { packagePattern: '*' })).toBeNull();
    expect(narrowGrant(creator, { packagePattern: 'other-*' })).toBeNull();
    expect(narrowGrant(creator, { packagePattern: 'raven-ui-*' })).toEqual({
      scopes: [],
      packagePattern: 'raven-ui-*',
    });
    expect(narrowGrant(creator, { packagePattern: 'raven-ui' })).toEqual({ scopes: [], packagePattern: 'raven-ui' });
  });

  it("inherits the creator's limits where the request names none, so nothing asked for is wider", () => {
    const creator = { scopes: ['publish'], packagePattern: 'raven-*' };
    expect(narrowGrant(creator, {})).toEqual({ scopes: ['publish'], packagePattern: 'raven-*' });
    expect(narrowGrant(creator, { scopes: [] })).toEqual({ scopes: ['publish'], packagePattern: 'raven-*' });
  });
});
