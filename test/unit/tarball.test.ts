// Tarball inspection and raven.toml parsing, on archives built in the test.
import { packTar, type TarEntry } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import { checkDependenciesMatch, checkManifestMatches, ManifestError, parseRavenToml } from '../../src/lib/manifest';
import { MAX_PATH_CHARS, MAX_SEGMENT_BYTES, PathSet } from '../../src/lib/tar-paths';
import { checksumOf, DEFAULT_TARBALL_LIMITS, inspectTarball, safeEntryPath, TarballError } from '../../src/lib/tarball';
import { entry, gnuLong, pax, rawTarball } from '../helpers/raw-tar';

const enc = new TextEncoder();
const file = (name: string, body: string): TarEntry => ({
  header: { name, size: enc.encode(body).byteLength, type: 'file' },
  body,
});
const gz = async (entries: TarEntry[]) =>
  new Uint8Array(
    await new Response(
      new Blob([await packTar(entries)]).stream().pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer(),
  );
const stream = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
const TOML = '[package]\nname = "demo"\nversion = "1.0.0"\n';

describe('safeEntryPath', () => {
  it.each([
    ['raven.toml', 'raven.toml'],
    ['./raven.toml', 'raven.toml'],
    ['src//lib.raven', 'src/lib.raven'],
    ['src/./a', 'src/a'],
  ])('normalises %j to %j', (name, path) => expect(safeEntryPath(name)).toBe(path));
  it.each(['../x', 'a/../../x', 'a/..', '/abs', 'C:/x', 'a\\b', 'a\0b'])('refuses %j', (name) => {
    expect(() => safeEntryPath(name)).toThrow(TarballError);
  });
});

describe('inspectTarball', () => {
  it('returns raven.toml and the README, and counts entries and inflated bytes', async () => {
    const tarball = await gz([file('raven.toml', TOML), file('README.md', '# Demo\n'), file('src/lib.raven', 'x')]);
    const contents = await inspectTarball(stream(tarball));
    expect(contents.manifestText).toBe(TOML);
    expect(contents.readme).toBe('# Demo\n');
    expect(contents.entries).toBe(3);
    expect(contents.unpackedBytes).toBeGreaterThanOrEqual(512 * 6);
  });

  it('keeps a long README truncated, and refuses an oversized raven.toml', async () => {
    const limits = { ...DEFAULT_TARBALL_LIMITS, maxReadmeBytes: 10, maxManifestBytes: 64 };
    const ok = await inspectTarball(
      stream(await gz([file('raven.toml', TOML), file('README.md', 'x'.repeat(100))])),
      limits,
    );
    expect(ok.readme).toBe('x'.repeat(10));
    await expect(
      inspectTarball(stream(await gz([file('raven.toml', `${TOML}# ${'x'.repeat(100)}\n`)])), limits),
    ).rejects.toThrow(/larger than 64 bytes/);
  });

  it('stops inflating at the cap', async () => {
    const limits = { ...DEFAULT_TARBALL_LIMITS, maxUnpackedBytes: 100_000 };
    const big = await gz([file('raven.toml', TOML), file('zeros', '\0'.repeat(200_000))]);
    await expect(inspectTarball(stream(big), limits)).rejects.toThrow(/more than 100000 bytes/);
  });

  it('stops at the entry cap', async () => {
    const limits = { ...DEFAULT_TARBALL_LIMITS, maxEntries: 3 };
    const many = await gz([file('raven.toml', TOML), file('a', ''), file('b', ''), file('c', '')]);
    await expect(inspectTarball(stream(many), limits)).rejects.toThrow(/more than 3 entries/);
  });

  it('refuses trailing garbage after the archive and a non-UTF-8 raven.toml', async () => {
    const tarball = await packTar([file('raven.toml', TOML)]);
    const garbage = new Uint8Array(tarball.byteLength + 512).fill(7);
    garbage.set(tarball);
    const gzGarbage = new Uint8Array(
      await new Response(new Blob([garbage]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer(),
    );
    await expect(inspectTarball(stream(gzGarbage))).rejects.toThrow(/not a valid tar/);
    const latin1: TarEntry = {
      header: { name: 'raven.toml', size: 2, type: 'file' },
      body: new Uint8Array([0xff, 0xfe]),
    };
    await expect(inspectTarball(stream(await gz([latin1])))).rejects.toThrow(/UTF-8/);
  });

  it('refuses empty input', async () => {
    await expect(inspectTarball(stream(new Uint8Array(0)))).rejects.toThrow(/empty or not gzip/);
  });
});

/** The refusal inspectTarball gives, for its message and the entry it names. */
async function refusal(tarball: Uint8Array): Promise<TarballError> {
  const err = await inspectTarball(stream(tarball)).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TarballError)) throw new Error(`expected a TarballError, got ${String(err)}`);
  return err;
}

const toml = () => entry({ name: 'raven.toml' }, TOML);

describe('inspectTarball: headers tar readers disagree on', () => {
  it('reads a hand-written archive: POSIX prefix, GNU long name, PAX path and PAX size', async () => {
    const contents = await inspectTarball(
      stream(
        await rawTarball(
          toml(),
          entry({ name: 'lib.raven', prefix: 'src' }, 'x'),
          gnuLong('L', `src/${'n'.repeat(150)}.raven`),
          entry({ name: 'src/nnn', magic: 'gnu' }, 'y'),
          pax({ path: `src/${'p'.repeat(150)}.raven` }),
          entry({ name: 'src/ppp' }, 'z'),
          pax({ size: '7' }),
          entry({ name: 'README.md', size: 0 }, '# Hello'),
        ),
      ),
    );
    expect(contents.readme).toBe('# Hello');
    expect(contents.entries).toBe(5);
  });

  it.each([
    ['a GNU long name then a PAX path', () => [gnuLong('L', 'src/a.raven'), pax({ path: 'src/b.raven' })]],
    ['a PAX path then a GNU long name', () => [pax({ path: 'src/b.raven' }), gnuLong('L', 'src/a.raven')]],
    ['a GNU long link then a PAX linkpath', () => [gnuLong('K', 'target'), pax({ linkpath: 'other' })]],
  ])('refuses %s for one entry, naming it', async (_what, meta) => {
    const err = await refusal(await rawTarball(toml(), ...meta(), entry({ name: 'src/short' }, 'x')));
    expect(err.message).toMatch(/PAX path with a GNU long-name/);
    expect(err.entry).toMatch(/^src\/[ab]\.raven$|^other$|^target$|^src\/short$/);
  });

  it('refuses a PAX header followed by another extended header for the same entry', async () => {
    const err = await refusal(
      await rawTarball(toml(), pax({ mtime: '1' }), gnuLong('L', 'src/a.raven'), entry({ name: 'x' })),
    );
    expect(err.message).toMatch(/follows a PAX header/);
  });

  it('refuses a GNU long name in a header without ustar magic', async () => {
    const err = await refusal(await rawTarball(toml(), gnuLong('L', 'src/a.raven', 'none'), entry({ name: 'x' }, 'x')));
    expect(err.message).toMatch(/without the ustar magic/);
  });

  it('refuses a global PAX header', async () => {
    const err = await refusal(await rawTarball(pax({ path: 'evil.raven' }, 'g'), toml()));
    expect(err.message).toMatch(/global PAX header/);
  });

  it.each([
    ['sparse', 'S'],
    ['contiguous', '7'],
    ['volume label', 'V'],
    ['GNU dump directory', 'D'],
    ['unassigned', 'Z'],
  ])('refuses an entry of the %s type flag %j, naming it', async (_what, type) => {
    const err = await refusal(await rawTarball(toml(), entry({ name: 'src/odd.raven', type }, 'x')));
    expect(err.message).toMatch(new RegExp(`type "${type}"`));
    expect(err.entry).toBe('src/odd.raven');
  });

  it('refuses a directory with a body and a regular file named like a directory', async () => {
    expect((await refusal(await rawTarball(toml(), entry({ name: 'src/', type: '5' }, 'hidden')))).message).toMatch(
      /directory or link with a body/,
    );
    expect((await refusal(await rawTarball(toml(), entry({ name: 'src/' }, 'x')))).message).toMatch(/ends in "\/"/);
  });

  it('refuses a PAX header with a malformed record', async () => {
    const bad = entry({ name: 'PaxHeader/x', type: 'x' }, '99 path=a\n');
    expect(await refusal(await rawTarball(toml(), bad, entry({ name: 'x' })))).toBeInstanceOf(TarballError);
  });

  it('calls a block that is not a header (bad checksum) a corrupt archive, not an odd entry', async () => {
    const text = new TextEncoder().encode('not a tar header at all '.repeat(40));
    expect((await refusal(await rawTarball(text))).message).toMatch(/not a valid tar archive/);
  });

  it('refuses an entry name that is not UTF-8 (readers would decode it differently)', async () => {
    const name = new Uint8Array([0x73, 0x72, 0x63, 0x2f, 0xff, 0x2e, 0x72]); // "src/\xff.r"
    const err = await refusal(await rawTarball(toml(), entry({ name }, 'x')));
    expect(err.message).toMatch(/not valid UTF-8/);
  });

  it('accepts the old regular-file flag (NUL), which every reader treats as a file', async () => {
    const contents = await inspectTarball(
      stream(await rawTarball(toml(), entry({ name: 'src/a.raven', type: '\0' }, 'x'))),
    );
    expect(contents.entries).toBe(2);
  });
});

describe('inspectTarball: paths that collide on some file systems', () => {
  it.each([
    ['case', 'raven.toml', 'RAVEN.TOML'],
    ['case in a directory', 'src/a.raven', 'SRC/b.raven'],
    ['Unicode normalisation (NFC vs NFD)', 'src/caf\u00e9.raven', 'src/cafe\u0301.raven'],
    ['a trailing dot', 'src/a.raven', 'src/a.raven.'],
    ['a trailing space', 'src/a.raven', 'src/a.raven '],
  ])('refuses two entries differing only in %s, naming the second', async (_what, first, second) => {
    const rest = first === 'raven.toml' ? [] : [file('raven.toml', TOML)];
    const err = await refusal(await gz([...rest, file(first, first === 'raven.toml' ? TOML : 'a'), file(second, 'b')]));
    expect(err.message).toMatch(/differ only in case, Unicode normalisation or trailing dots\/spaces/);
    expect(err.entry).toBe(second);
  });

  it('refuses a path used both as a file and as a directory, and a file given twice', async () => {
    expect(
      (await refusal(await gz([file('raven.toml', TOML), file('src', 'a'), file('src/a.raven', 'b')]))).message,
    ).toMatch(/both as a file and as a directory/);
    expect((await refusal(await gz([file('raven.toml', TOML), file('a', '1'), file('./a', '2')]))).message).toMatch(
      /appears twice/,
    );
  });

  it('accepts a directory entry repeated, and names that only look alike', async () => {
    const dir: TarEntry = { header: { name: 'src/', size: 0, type: 'directory' } };
    const contents = await inspectTarball(
      stream(await gz([dir, dir, file('raven.toml', TOML), file('src/a.raven', '1'), file('src/a.raven2', '2')])),
    );
    expect(contents.entries).toBe(5);
  });
});

describe('PathSet limits', () => {
  it('refuses an over-long path, an over-long segment and too many distinct paths', () => {
    expect(() => new PathSet(100).add(`a/${'b/'.repeat(MAX_PATH_CHARS / 2)}c`, 'file')).toThrow(/longer than 1024/);
    expect(() => new PathSet(100).add(`src/${'é'.repeat(MAX_SEGMENT_BYTES / 2 + 1)}`, 'file')).toThrow(/255 bytes/);
    const set = new PathSet(3);
    set.add('a/b', 'file');
    set.add('a/c', 'file');
    expect(() => set.add('a/d', 'file')).toThrow(/more than 3 files and directories/);
  });
});

describe('checksumOf', () => {
  it('is sha256 of the bytes with their length', async () => {
    const { checksum, size } = await checksumOf(stream(enc.encode('abc')));
    expect(checksum).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(size).toBe(3);
  });
});

describe('raven.toml', () => {
  it('reads name, version and categories', () => {
    const m = parseRavenToml(`${TOML}categories = ["web-programming", "gui::widgets"]\n[dependencies]\n`);
    expect(m).toEqual({
      name: 'demo',
      version: '1.0.0',
      categories: ['web-programming', 'gui::widgets'],
      dependencies: {},
      devDependencies: {},
    });
    expect(() => checkManifestMatches(m, 'demo', '1.0.0')).not.toThrow();
    expect(() => checkManifestMatches(m, 'other', '1.0.0')).toThrow(ManifestError);
    expect(() => checkManifestMatches(m, 'demo', '1.0.1')).toThrow(ManifestError);
  });
  it.each([
    ['not toml at all [', /not valid TOML/],
    ['[dependencies]\n', /no \[package\]/],
    ['[package]\nversion = "1.0.0"\n', /no name/],
    ['[package]\nname = "x"\nversion = 1\n', /no version/],
    ['[package]\nname = "x"\nversion = "1.0.0"\ncategories = ["Not A Slug"]\n', /categories/],
  ])('refuses %j', (text, why) => {
    expect(() => parseRavenToml(text)).toThrow(why);
  });
});

describe('raven.toml dependencies and text', () => {
  const DEPS = `${TOML}[dependencies]\nraven-store = "1.0.0"\n[dependencies.raven-i18n]\nversion = "~1.0"\nfeatures = ["rtl"]\n[dev-dependencies]\nraven-test = "1.0.0"\n`;
  const same = {
    dependencies: { 'raven-i18n': { features: ['rtl'], version: '~1.0' }, 'raven-store': '1.0.0' },
    dev_dependencies: { 'raven-test': '1.0.0' },
  };

  it('reads both dependency tables and accepts metadata that lists the same (in any key order)', () => {
    const m = parseRavenToml(DEPS);
    expect(m.dependencies).toEqual(same.dependencies);
    expect(m.devDependencies).toEqual(same.dev_dependencies);
    expect(() => checkDependenciesMatch(m, same)).not.toThrow();
  });

  it.each([
    [
      'a dependency the tarball does not have',
      { ...same, dependencies: { ...same.dependencies, evil: '1' } },
      'dependencies.evil',
    ],
    [
      'a dependency hidden from the metadata',
      { ...same, dependencies: { 'raven-store': '1.0.0' } },
      'dependencies.raven-i18n',
    ],
    [
      'a different requirement',
      { ...same, dependencies: { ...same.dependencies, 'raven-store': '2.0.0' } },
      'dependencies.raven-store',
    ],
    [
      'different features',
      { ...same, dependencies: { ...same.dependencies, 'raven-i18n': { version: '~1.0' } } },
      'dependencies.raven-i18n',
    ],
    [
      'a dev-dependency moved to dependencies',
      { dependencies: { ...same.dependencies, 'raven-test': '1.0.0' }, dev_dependencies: {} },
      'dependencies.raven-test',
    ],
  ])('refuses metadata with %s, naming it', (_what, meta, field) => {
    const m = parseRavenToml(DEPS);
    expect(() => checkDependenciesMatch(m, meta)).toThrow(ManifestError);
    try {
      checkDependenciesMatch(m, meta);
    } catch (err) {
      expect((err as ManifestError).field).toBe(field);
      expect((err as ManifestError).message).toContain(field.split('.')[1]);
    }
  });

  it.each([
    ['an unknown dependency key', '[dependencies.a]\nversion = "1"\npath = "../a"\n', /dependencies\.a/],
    ['a git source over http', '[dependencies.a]\ngit = "http://example.com/a"\n', /dependencies\.a\.git/],
    [
      'a branch that is an option',
      '[dependencies.a]\ngit = "https://e.com/a"\nbranch = "-u"\n',
      /dependencies\.a\.branch/,
    ],
    ['a dev-dependency requirement that is an option', '[dev-dependencies]\na = "--locked"\n', /dev_dependencies\.a/],
  ])('refuses %s in raven.toml', (_what, tables, why) => {
    expect(() => parseRavenToml(`${TOML}${tables}`)).toThrow(why);
  });

  it.each([
    ['description', 'description = "red \\u001b[31m"\n'],
    ['description', 'description = """\nline one\nline two"""\n'],
    ['authors', 'authors = ["Eve \\u202e"]\n'],
    ['keywords', 'keywords = ["a\\u0007"]\n'],
  ])('refuses control characters in [package] %s', (field, line) => {
    expect(() => parseRavenToml(`${TOML}${line}`)).toThrow(new RegExp(`${field} has control characters`));
  });
});
