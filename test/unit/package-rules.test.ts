// Pure package rules: names, SemVer, Cargo requirements, latest_version, ETags,
// dependency shapes and the text rules for what other people read.
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ifNoneMatchHits, utcDay } from '../../src/lib/etag';
import { canonicalName, packageNameProblem } from '../../src/lib/package-name';
import { refusesControlChars, safeText } from '../../src/lib/text-rules';
import {
  cargoToNodeRange,
  isCargoRequirement,
  isStrictSemver,
  latestVersion,
  sortVersions,
} from '../../src/lib/versions';
import { fieldErrors } from '../../src/router';
import { DeprecateBody } from '../../src/schemas/deprecation';
import { PublishMetadata } from '../../src/schemas/packages';

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

describe('text shown to other people', () => {
  it.each([
    ['an ANSI escape', 'red \u001b[31mtext'],
    ['a newline', 'two\nlines'],
    ['a tab', 'a\tb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control (CSI)', 'a\u009bb'],
    ['a right-to-left override', 'safe\u202eexe.txt'],
    ['a left-to-right isolate', 'a\u2066b'],
    ['a right-to-left mark', 'a\u200fb'],
  ])('refuses %s', (_what, text) => {
    expect(refusesControlChars(text)).toBe(true);
    expect(safeText.safeParse(text).success).toBe(false);
  });
  it.each(['Plain text', 'Ünïcödé, 日本語, emoji 🎉', 'Zero\u200dwidth joiner is not a control'])(
    'accepts %j',
    (text) => {
      expect(refusesControlChars(text)).toBe(false);
      expect(safeText.safeParse(text).success).toBe(true);
    },
  );
});

describe('publish metadata: dependencies and text', () => {
  const meta = (extra: Record<string, unknown>) =>
    PublishMetadata.safeParse({ name: 'demo', version: '1.0.0', ...extra });
  const problemAt = (extra: Record<string, unknown>) => {
    const parsed = meta(extra);
    return parsed.success ? null : Object.keys(fieldErrors(parsed.error));
  };

  it('accepts every dependency key the CLI knows', () => {
    const dependencies = {
      a: '^1.0',
      b: { version: '1', features: ['x', 'dep:y'], optional: true, 'default-features': false, package: 'real-b' },
      c: { git: 'https://example.com/c.git', branch: 'main' },
    };
    expect(meta({ dependencies }).data?.dependencies).toEqual(dependencies);
  });
  it.each([
    ['an unknown key', { a: { version: '1', path: '../a' } }, 'dependencies.a'],
    ['a git source over ssh', { a: { git: 'ssh://git@example.com/a' } }, 'dependencies.a.git'],
    ['a git source over http', { a: { git: 'http://example.com/a' } }, 'dependencies.a.git'],
    ['a git source that is an option', { a: { git: '--upload-pack=touch /tmp/x' } }, 'dependencies.a.git'],
    [
      'a branch that is an option',
      { a: { git: 'https://example.com/a', branch: '--upload-pack=x' } },
      'dependencies.a.branch',
    ],
    ['a feature that is an option', { a: { version: '1', features: ['-x'] } }, 'dependencies.a.features.0'],
    ['a package that is an option', { a: { version: '1', package: '-x' } }, 'dependencies.a.package'],
    ['a requirement that is an option', { a: '--locked' }, 'dependencies.a'],
    ['a name that is an option', { '-a': '1' }, 'dependencies.-a'],
    ['a feature with an escape', { a: { version: '1', features: ['x\u001b[2J'] } }, 'dependencies.a.features.0'],
  ])('refuses %s, naming the dependency', (_what, dependencies, field) => {
    expect(problemAt({ dependencies })).toContain(field);
    expect(problemAt({ dev_dependencies: dependencies })).toContain(field.replace('dependencies', 'dev_dependencies'));
  });
  it.each([
    ['the description', { description: 'Colour \u001b[31mred' }, 'description'],
    ['a one-line description with a newline', { description: 'line one\nline two' }, 'description'],
    ['an author', { authors: ['Eve \u202eevE'] }, 'authors.0'],
    ['a keyword', { keywords: ['a\u001bb'] }, 'keywords.0'],
  ])('refuses control characters in %s', (_what, extra, field) => {
    expect(problemAt(extra)).toEqual([field]);
  });
});

describe('deprecation messages', () => {
  it('refuse control characters and newlines, and accept plain text', () => {
    expect(DeprecateBody.safeParse({ message: 'Use \u001b[8mhidden' }).success).toBe(false);
    expect(DeprecateBody.safeParse({ message: 'Use x\ninstead' }).success).toBe(false);
    expect(DeprecateBody.safeParse({ message: 'Use raven-forms \u2066instead' }).success).toBe(false);
    expect(DeprecateBody.safeParse({ message: '  Use raven-forms instead.  ' }).data?.message).toBe(
      'Use raven-forms instead.',
    );
  });
});
