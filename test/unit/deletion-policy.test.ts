// The owners' deletion policy as a pure function: free while young, then
// every failed condition named.
import { describe, expect, it } from 'vitest';
import { type DeletionFacts, deletionRefusals } from '../../src/lib/deletion-policy';

const now = new Date('2026-11-29T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const popular: Omit<DeletionFacts, 'publishedAt'> = { owners: 3, downloadsLastWeek: 10_000, dependents: 5 };
const quiet: Omit<DeletionFacts, 'publishedAt'> = { owners: 1, downloadsLastWeek: 299, dependents: 0 };
const conditions = (facts: DeletionFacts) => deletionRefusals(facts, now).map((r) => r.condition);

describe('deletionRefusals', () => {
  it('allows anything published less than 72 hours ago', () => {
    expect(conditions({ ...popular, publishedAt: hoursAgo(71.99) })).toEqual([]);
  });

  it('from 72 hours on, allows only a quiet single-owner package nobody depends on', () => {
    expect(conditions({ ...quiet, publishedAt: hoursAgo(72) })).toEqual([]);
    expect(conditions({ ...quiet, owners: 2, publishedAt: hoursAgo(72) })).toEqual(['single_owner']);
    expect(conditions({ ...quiet, downloadsLastWeek: 300, publishedAt: hoursAgo(100) })).toEqual(['weekly_downloads']);
    expect(conditions({ ...quiet, dependents: 1, publishedAt: hoursAgo(1000) })).toEqual(['dependents']);
  });

  it('names every failed condition, with the numbers, in one refusal', () => {
    const refusals = deletionRefusals({ ...popular, publishedAt: hoursAgo(73) }, now);
    expect(refusals.map((r) => r.condition)).toEqual(['single_owner', 'weekly_downloads', 'dependents']);
    expect(refusals.map((r) => r.message)).toEqual([
      'it has 3 owners (at most one is allowed)',
      'it was downloaded 10000 times in the last 7 days (fewer than 300 are allowed)',
      '5 other packages depend on it',
    ]);
  });
});
