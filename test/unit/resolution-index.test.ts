import { describe, expect, it } from 'vitest';
import doc from '../../docs/index.md?raw';
import resolverSource from '../../scripts/lib/index-resolver.mjs?raw';
import { type IndexRow, indexLines, toNdjson } from '../../src/services/resolution-index';

const row = (over: Partial<IndexRow>): IndexRow => ({
  name: 'raven-forms',
  deprecated: false,
  version: '1.0.0',
  dependencies: {},
  dev_dependencies: {},
  checksum: `sha256:${'ab'.repeat(32)}`,
  yanked: false,
  published_at: '2026-11-27T12:00:00.000Z',
  taken_down: null,
  ...over,
});

describe('indexLines', () => {
  it('turns a version into one line: cksum as bare hex, v:1', () => {
    expect(indexLines([row({})])).toEqual([
      {
        name: 'raven-forms',
        vers: '1.0.0',
        deps: [],
        cksum: 'ab'.repeat(32),
        yanked: false,
        deprecated: false,
        published_at: '2026-11-27T12:00:00.000Z',
        v: 1,
      },
    ]);
  });

  it('lists requirement strings and detailed dependencies, normal before dev, each sorted by name', () => {
    const [line] = indexLines([
      row({
        dependencies: {
          'raven-store': '^1.0',
          'raven-http': { version: '0.1', features: ['json'], optional: true, git: 'https://example.test/h.git' },
        },
        dev_dependencies: { 'raven-test': '1.0.0' },
      }),
    ]);
    expect(line?.deps).toEqual([
      {
        name: 'raven-http',
        req: '0.1',
        kind: 'normal',
        optional: true,
        features: ['json'],
        default_features: true,
        package: 'raven-http',
      },
      {
        name: 'raven-store',
        req: '^1.0',
        kind: 'normal',
        optional: false,
        features: [],
        default_features: true,
        package: 'raven-store',
      },
      {
        name: 'raven-test',
        req: '1.0.0',
        kind: 'dev',
        optional: false,
        features: [],
        default_features: true,
        package: 'raven-test',
      },
    ]);
  });

  it('a git-only dependency keeps its source and matches any version', () => {
    const [line] = indexLines([row({ dependencies: { 'raven-ui': { git: 'https://example.test/ui.git' } } })]);
    expect(line?.deps[0]).toMatchObject({ name: 'raven-ui', req: '*', git: 'https://example.test/ui.git' });
  });

  it('marks yanked versions and a deprecated package, and keeps them listed', () => {
    const lines = indexLines([row({ deprecated: true, yanked: true }), row({ deprecated: true, version: '1.1.0' })]);
    expect(lines.map((l) => [l.vers, l.yanked, l.deprecated])).toEqual([
      ['1.0.0', true, true],
      ['1.1.0', false, true],
    ]);
  });

  it('a package without versions has no lines', () => {
    const empty = row({ version: null, checksum: null, yanked: null, published_at: null, dependencies: null });
    expect(indexLines([empty])).toEqual([]);
  });
});

describe('toNdjson', () => {
  it('writes one JSON object per line, each ending in a newline', () => {
    const text = toNdjson(indexLines([row({}), row({ version: '1.1.0' })]));
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines.slice(0, 2).map((l) => JSON.parse(l).vers)).toEqual(['1.0.0', '1.1.0']);
  });
});

describe('the example resolver in docs/index.md', () => {
  it('is quoted verbatim from the file the end-to-end test runs', () => {
    expect(doc).toContain(resolverSource.trim());
  });
});
