// Pure package rules: names, SemVer, Cargo requirements, latest_version, ETags.
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ifNoneMatchHits, utcDay } from '../../src/lib/etag';
import { canonicalName, packageNameProblem } from '../../src/lib/package-name';
import {
  cargoToNodeRange,
  isCargoRequirement,
  isStrictSemver,
  latestVersion,
  sortVersions,
} from '../../src/lib/versions';

describe('package names', () => {
  it.each(['a', 'raven-ui', 'raven2', 'r-2-d-2', `a${'b'.repeat(63)}`])('accepts %s', (name) => {
    expect(packageNameProblem(name)).toBeNull();
  });
  it.each([
    ['', /1-64/],
    [`a${'b'.repeat(64)}`, /1-64/],
    ['Raven', /lowercase letter/],
    ['1raven', /lowercase letter/],
    ['-raven', /lowercase letter/],
    ['raven_ui', /letters, digits/],
    ['raven.ui', /letters, digits/],
    ['raven--ui', /--/],
    ['raven-', /--|end/],
    ['trending', /reserved/],
    ['publish', /reserved/],
    ['com1', /reserved/],
  ])('refuses %j', (name, why) => {
    expect(packageNameProblem(name)).toMatch(why);
  });
  it('canonicalises by dropping hyphens', () => {
    expect(canonicalName('raven-ui')).toBe('ravenui');
    expect(canonicalName('ravenui')).toBe(canonicalName('raven-u-i'));
  });
});

describe('strict SemVer', () => {
  it.each(['0.0.0', '1.2.3', '1.0.0-beta.1', '1.0.0-alpha-1', '1.0.0+build.5', '10.20.30-rc.1+meta'])(
    'accepts %s',
    (v) => expect(isStrictSemver(v)).toBe(true),
  );
  it.each([
    '1',
    '1.0',
    'v1.0.0',
    '=1.0.0',
    '01.0.0',
    '1.00.0',
    '1.0.0-01',
    '1.0.0-',
    '1.0.0+',
    ' 1.0.0',
    '1.0.0.0',
    `1.0.0-${'a'.repeat(60)}`,
  ])('refuses %j', (v) => expect(isStrictSemver(v)).toBe(false));
});

describe('latest_version and ordering', () => {
  const rows = (...vs: [string, boolean?][]) => vs.map(([version, yanked = false]) => ({ version, yanked }));
  it('orders by SemVer precedence, not text', () => {
    expect(sortVersions(rows(['1.10.0'], ['1.2.0'], ['1.2.0-rc.1'], ['0.9.0'])).map((r) => r.version)).toEqual([
      '0.9.0',
      '1.2.0-rc.1',
      '1.2.0',
      '1.10.0',
    ]);
  });
  it('is the highest non-yanked release, else the highest non-yanked pre-release, else null', () => {
    expect(latestVersion(rows(['1.0.0'], ['1.10.0'], ['2.0.0-beta.1']))).toBe('1.10.0');
    expect(latestVersion(rows(['1.0.0'], ['1.10.0', true], ['2.0.0-beta.1']))).toBe('1.0.0');
    expect(latestVersion(rows(['1.0.0', true], ['2.0.0-beta.1'], ['2.0.0-alpha.1']))).toBe('2.0.0-beta.1');
    expect(latestVersion(rows(['1.0.0', true]))).toBeNull();
    expect(latestVersion([])).toBeNull();
  });
});

describe('Cargo requirements', () => {
  it.each([
    ['1.0.0', '^1.0.0'],
    ['^0.1', '^0.1'],
    ['~1.2', '~1.2'],
    ['=1.2.3', '=1.2.3'],
    ['>= 1.2, < 2', '>=1.2 <2'],
    ['*', '*'],
    ['1.*', '^1.*'],
    ['1.2.x', '^1.2.x'],
    ['^1.0.0-beta.1', '^1.0.0-beta.1'],
  ])('%j means node-semver %j', (req, range) => {
    expect(isCargoRequirement(req)).toBe(true);
    expect(cargoToNodeRange(req)).toBe(range);
  });
  it.each(['', 'latest', '^', '1.0.0 || 2.0.0', '>=1.0 <2.0', 'v1.0', '1.0.0.0', '^01.0'])('refuses %j', (req) => {
    expect(isCargoRequirement(req)).toBe(false);
  });
  it('resolves the way Cargo does: a bare version is a caret requirement', () => {
    const versions = ['0.9.0', '1.0.0', '1.4.2', '2.0.0'];
    expect(semver.maxSatisfying(versions, cargoToNodeRange('1.0.0'))).toBe('1.4.2');
    expect(semver.maxSatisfying(versions, cargoToNodeRange('^0.9'))).toBe('0.9.0');
    expect(semver.maxSatisfying(versions, cargoToNodeRange('>=1.0, <1.4'))).toBe('1.0.0');
  });
});

describe('If-None-Match', () => {
  const sum = `sha256:${'a'.repeat(64)}`;
  it.each([`"${sum}"`, `W/"${sum}"`, `"x", "${sum}"`, '*', sum])('matches %j', (h) => {
    expect(ifNoneMatchHits(h, sum)).toBe(true);
  });
  it.each([null, '', '"sha256:bbb"', `"${sum}x"`])('does not match %j', (h) => {
    expect(ifNoneMatchHits(h, sum)).toBe(false);
  });
  it('names UTC days', () => {
    expect(utcDay(Date.UTC(2026, 0, 31, 23, 59, 59))).toBe('2026-01-31');
  });
});
