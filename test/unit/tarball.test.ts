// Tarball inspection and raven.toml parsing, on archives built in the test.
import { packTar, type TarEntry } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import { checkManifestMatches, ManifestError, parseRavenToml } from '../../src/lib/manifest';
import { checksumOf, DEFAULT_TARBALL_LIMITS, inspectTarball, safeEntryPath, TarballError } from '../../src/lib/tarball';

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
    expect(m).toEqual({ name: 'demo', version: '1.0.0', categories: ['web-programming', 'gui::widgets'] });
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
