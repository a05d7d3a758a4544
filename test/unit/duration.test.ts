import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../src/lib/duration';

describe('humanDuration', () => {
  it.each([
    [0, '0 seconds'],
    [1, '1 second'],
    [59, '59 seconds'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [3599, '60 minutes'],
    [3600, 'about an hour'],
    [3650, 'about an hour'],
    [5400, 'about 2 hours'],
    [4500, 'about an hour'],
    [4501, 'about 2 hours'],
    [86_400, 'about 24 hours'],
  ])('says %i seconds as "%s"', (seconds, said) => {
    expect(humanDuration(seconds)).toBe(said);
  });
});
