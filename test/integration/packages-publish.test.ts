// Publish refusals: bad tarballs, bad metadata, size, conflicts, races and
// authorisation. After every refusal nothing is visible: the name is unknown
// (or its versions unchanged), the user owns nothing new, no blob was stored.
import { env } from 'cloudflare:test';
import { packTar, type TarEntry } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import { call, callJson } from '../helpers/client';
import { r2KeyFor } from '../helpers/contract';
import { createUser, type TestUser } from '../helpers/factories';
import {
  gzip,
  type Metadata,
  makeTarball,
  metadataFor,
  multipartBody,
  packageName,
  publishPackage,
  publishRaw,
  ravenToml,
  sha256,
  tarDir,
  tarFile,
} from '../helpers/packages';
import { expectRefusal } from '../helpers/rate-limit';
import { gnuLong, pax, entry as rawEntry, rawTarball } from '../helpers/raw-tar';

async function ownedPackages(user: TestUser): Promise<string[]> {
  const { body } = await callJson(`/users/${user.username}`);
  return body.packages.map((p: { name: string; version: string }) => `${p.name}@${p.version}`).sort();
}

/** Asserts the refusal and that it left nothing behind. */
async function expectRefused(
  res: { status: number; body: any },
  status: number,
  user: TestUser,
  name: string,
  options: { field?: string; tarball?: Uint8Array; ownedBefore?: string[] } = {},
) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  const code = {
    400: 'invalid_request',
    401: 'authentication_required',
    403: 'permission_denied',
    409: 'conflict',
    413: 'payload_too_large',
  }[status];
  expect(res.body.error).toBe(code);
  expect(typeof res.body.message).toBe('string');
  if (options.field) expect(Object.keys(res.body.details?.fields ?? {})).toContain(options.field);
  expect(await ownedPackages(user)).toEqual(options.ownedBefore ?? []);
  if (!options.ownedBefore) expect((await callJson(`/packages/${name}`)).status).toBe(404);
  if (options.tarball) expect(await env.TARBALLS.head(r2KeyFor(await sha256(options.tarball)))).toBeNull();
}

const withEntries = (name: string, entries: TarEntry[]) => makeTarball(name, '1.0.0', { entries });

describe('tarball refusals', () => {
  const cases: [string, (name: string) => Promise<Uint8Array>, RegExp][] = [
    ['non-gzip bytes', async (name) => packTar([tarFile('raven.toml', ravenToml(name, '1.0.0'))]), /not gzip/],
    [
      'truncated gzip (cut in half)',
      async (name) => (await makeTarball(name, '1.0.0')).slice(0, 200),
      /corrupt or truncated/,
    ],
    [
      'gzip without its trailer',
      async (name) => {
        const whole = await makeTarball(name, '1.0.0');
        return whole.slice(0, whole.byteLength - 8);
      },
      /corrupt or truncated/,
    ],
    [
      'gzip of something that is not a tar',
      async () => gzip(new TextEncoder().encode('just text, not a tar archive'.repeat(40))),
      /not a valid tar/,
    ],
    ['a "../x" entry', (name) => withEntries(name, [tarFile('../x', 'escape')]), /\.\./],
    ['a nested "src/../../x" entry', (name) => withEntries(name, [tarFile('src/../../x', 'escape')]), /\.\./],
    ['an absolute "/abs" entry', (name) => withEntries(name, [tarFile('/abs', 'absolute')]), /absolute/],
    [
      'a symlink',
      (name) => withEntries(name, [{ header: { name: 'link', type: 'symlink', linkname: '/etc/passwd', size: 0 } }]),
      /symlink/,
    ],
    [
      'a hardlink',
      (name) => withEntries(name, [{ header: { name: 'hard', type: 'link', linkname: 'raven.toml', size: 0 } }]),
      /hardlink/,
    ],
    [
      'a device file',
      (name) => withEntries(name, [{ header: { name: 'tty', type: 'character-device', size: 0 } }]),
      /device/,
    ],
    ['a FIFO', (name) => withEntries(name, [{ header: { name: 'pipe', type: 'fifo', size: 0 } }]), /FIFO/],
    ['no raven.toml', (name) => makeTarball(name, '1.0.0', { toml: null }), /no raven.toml/],
    [
      'raven.toml only in a subfolder',
      (name) =>
        makeTarball(name, '1.0.0', { toml: null, entries: [tarFile('pkg/raven.toml', ravenToml(name, '1.0.0'))] }),
      /no raven.toml/,
    ],
    [
      'raven.toml naming another package',
      (name) => makeTarball(name, '1.0.0', { toml: ravenToml(`${name}-other`, '1.0.0') }),
      /names package/,
    ],
    [
      'raven.toml with another version',
      (name) => makeTarball(name, '1.0.0', { toml: ravenToml(name, '1.0.1') }),
      /has version/,
    ],
    ['raven.toml without [package]', (name) => makeTarball(name, '1.0.0', { toml: 'name = "x"\n' }), /no \[package\]/],
    [
      'raven.toml that is not TOML',
      (name) => makeTarball(name, '1.0.0', { toml: '[package\nname = ' }),
      /not valid TOML/,
    ],
    [
      'raven.toml twice',
      (name) => makeTarball(name, '1.0.0', { entries: [tarFile('./raven.toml', ravenToml(name, '1.0.0'))] }),
      /appears twice/,
    ],
  ];

  for (const [what, build, reason] of cases) {
    it(`refuses ${what} with 400`, async () => {
      const user = await createUser('refuse');
      const name = packageName('refused');
      const tarball = await build(name);
      const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), tarball);
      await expectRefused(res, 400, user, name, { field: 'tarball', tarball });
      expect(res.body.message).toMatch(reason);
      expect(res.body.details.fields.tarball).toBe(res.body.message);
    });
  }

  it('refuses a gzip bomb without unpacking it into memory', async () => {
    const user = await createUser('bomb');
    const name = packageName('bomb');
    // 300 MiB of zeros in one entry inflates past the 256 MiB cap; compressed it is well under 1 MiB.
    const size = 300 * 1024 * 1024;
    const chunk = new Uint8Array(15 * 1024 * 1024);
    const tarStream = new ReadableStream<Uint8Array>({
      async start(ctl) {
        const head = await packTar([tarFile('raven.toml', ravenToml(name, '1.0.0'))]);
        ctl.enqueue(head.slice(0, head.byteLength - 1024)); // drop the end-of-archive blocks
        const big = await packTar([{ header: { name: 'zeros.bin', size: 0, type: 'file' } }]);
        // A header claiming `size` bytes, then the zeros themselves.
        const h = big.slice(0, 512);
        writeOctal(h, 124, 12, size);
        fixChecksum(h);
        ctl.enqueue(h);
        for (let sent = 0; sent < size; sent += chunk.byteLength) ctl.enqueue(chunk);
        ctl.enqueue(new Uint8Array(1024));
        ctl.close();
      },
    });
    const bomb = new Uint8Array(await new Response(tarStream.pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
    expect(bomb.byteLength).toBeLessThan(1024 * 1024);
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), bomb);
    await expectRefused(res, 400, user, name, { field: 'tarball', tarball: bomb });
    expect(res.body.message).toMatch(/unpacks to more than/);
  });

  it('refuses more than 10,000 entries', async () => {
    const user = await createUser('many');
    const name = packageName('many');
    const entries: TarEntry[] = [tarFile('raven.toml', ravenToml(name, '1.0.0')), tarDir('src/')];
    for (let i = 0; i < 10_000; i++) entries.push(tarFile(`src/f${i}.raven`, ''));
    const tarball = await gzip(await packTar(entries));
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), tarball);
    await expectRefused(res, 400, user, name, { field: 'tarball', tarball });
    expect(res.body.message).toMatch(/more than 10000 entries/);
  });
});

function writeOctal(block: Uint8Array, offset: number, length: number, value: number) {
  const text = value.toString(8).padStart(length - 1, '0');
  for (let i = 0; i < length - 1; i++) block[offset + i] = text.charCodeAt(i);
  block[offset + length - 1] = 0;
}

function fixChecksum(block: Uint8Array) {
  for (let i = 148; i < 156; i++) block[i] = 32;
  const sum = block.reduce((a, b) => a + b, 0);
  const text = sum.toString(8).padStart(6, '0');
  for (let i = 0; i < 6; i++) block[148 + i] = text.charCodeAt(i);
  block[154] = 0;
  block[155] = 32;
}

describe('metadata refusals', () => {
  const badNames: [string, string][] = [
    ['uppercase', 'Raven-Thing'],
    ['an underscore', 'raven_thing'],
    ['a leading digit', '1raven'],
    ['a leading hyphen', '-raven'],
    ['a double hyphen', 'raven--thing'],
    ['a trailing hyphen', 'raven-'],
    ['65 characters', `r${'a'.repeat(64)}`],
    ['nothing', ''],
    ['a space', 'raven thing'],
  ];
  for (const [what, name] of badNames) {
    it(`refuses a name with ${what}`, async () => {
      const user = await createUser('name');
      const tarball = await makeTarball(name, '1.0.0');
      const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), tarball);
      await expectRefused(res, 400, user, encodeURIComponent(name.toLowerCase() || 'x'), { field: 'name', tarball });
    });
  }

  for (const reserved of ['trending', 'categories', 'publish', 'search', 'new', 'stats', 'owners', 'audit', 'api']) {
    it(`refuses the reserved name "${reserved}"`, async () => {
      const user = await createUser('reserved');
      const res = await publishRaw(user.token, metadataFor(reserved, '1.0.0'), await makeTarball(reserved, '1.0.0'));
      expect(res.status).toBe(400);
      expect(res.body.details.fields.name).toMatch(/reserved/);
      expect(await ownedPackages(user)).toEqual([]);
    });
  }

  it('accepts a 64-character name', async () => {
    const user = await createUser('long');
    const name = `${packageName('l')}-${'a'.repeat(64)}`.slice(0, 64).replace(/-+$/, 'a');
    expect(name).toHaveLength(64);
    await publishPackage(user.token, name);
  });

  for (const version of [
    '1.0',
    '1',
    'v1.0.0',
    '01.0.0',
    '1.0.0.0',
    '1.0.0-',
    '1.0.0-01',
    '1.0.0+',
    ' 1.0.0',
    'latest',
  ]) {
    it(`refuses the version "${version}"`, async () => {
      const user = await createUser('semver');
      const name = packageName('semver');
      const tarball = await makeTarball(name, version);
      const res = await publishRaw(user.token, metadataFor(name, version), tarball);
      await expectRefused(res, 400, user, name, { field: 'version', tarball });
    });
  }

  const badFields: [string, Record<string, unknown>, string][] = [
    [
      'a dependency requirement that is not Cargo syntax',
      { dependencies: { 'raven-store': 'latest!' } },
      'dependencies.raven-store',
    ],
    [
      'a dependency object without a version',
      { dependencies: { 'raven-store': { features: ['x'] } } },
      'dependencies.raven-store',
    ],
    ['a dependency name with capitals', { dependencies: { Raven: '1.0' } }, 'dependencies.Raven'],
    ['a dev-dependency of the wrong type', { dev_dependencies: { 'raven-test': 5 } }, 'dev_dependencies.raven-test'],
    ['a homepage that is not a URL', { homepage: 'not a url' }, 'homepage'],
    ['a javascript: repository', { repository: 'javascript:alert(1)' }, 'repository'],
    ['too many keywords', { keywords: Array.from({ length: 11 }, (_, i) => `k${i}`) }, 'keywords'],
    ['a keyword with spaces', { keywords: ['two words'] }, 'keywords.0'],
    ['authors that are not strings', { authors: [42] }, 'authors.0'],
    ['a license with odd characters', { license: 'MIT; rm -rf' }, 'license'],
    [
      'an unknown dependency key',
      { dependencies: { 'raven-store': { version: '1', path: '../x' } } },
      'dependencies.raven-store',
    ],
    [
      'a git dependency over http',
      { dependencies: { 'raven-store': { git: 'http://example.com/s' } } },
      'dependencies.raven-store.git',
    ],
    [
      'a git branch that is an option',
      { dependencies: { 'raven-store': { git: 'https://example.com/s', branch: '--upload-pack=touch x' } } },
      'dependencies.raven-store.branch',
    ],
    [
      'a feature that is an option',
      { dev_dependencies: { 'raven-test': { version: '1', features: ['-f'] } } },
      'dev_dependencies.raven-test.features.0',
    ],
    ['a description with an ANSI escape', { description: 'Nice \u001b[2J\u001b[H' }, 'description'],
    ['a description with a newline', { description: 'line one\nline two' }, 'description'],
    ['an author with a bidi override', { authors: ['Eve \u202eevE'] }, 'authors.0'],
  ];
  for (const [what, overrides, field] of badFields) {
    it(`refuses ${what}`, async () => {
      const user = await createUser('meta');
      const name = packageName('meta');
      const tarball = await makeTarball(name, '1.0.0');
      const res = await publishRaw(user.token, metadataFor(name, '1.0.0', overrides as any), tarball);
      await expectRefused(res, 400, user, name, { field, tarball });
    });
  }

  it('accepts Cargo requirement strings and detailed dependencies', async () => {
    const user = await createUser('deps');
    const name = packageName('deps');
    const dependencies = {
      'raven-store': '1.0.0',
      'raven-http': '^0.1',
      'raven-router': '>=0.1, <0.3',
      'raven-i18n': { version: '~1.0', features: ['rtl'], optional: true },
      'raven-git': { git: 'https://github.com/example/raven-git', branch: 'main' },
      'raven-any': '*',
      'raven-wild': '1.*',
    };
    await publishPackage(user.token, name, '1.0.0', { dependencies });
    const { body } = await callJson(`/packages/${name}/1.0.0`);
    expect(body.dependencies).toEqual(dependencies);
  });

  it('refuses a missing metadata part, invalid JSON and a missing tarball part', async () => {
    const user = await createUser('parts');
    const name = packageName('parts');
    const tarball = await makeTarball(name, '1.0.0');
    const meta = metadataFor(name, '1.0.0');
    await expectRefused(await publishRaw(user.token, meta, tarball, { omitMetadata: true }), 400, user, name, {
      field: 'metadata',
    });
    await expectRefused(await publishRaw(user.token, '{"name":', tarball), 400, user, name, { field: 'metadata' });
    await expectRefused(await publishRaw(user.token, meta, tarball, { omitTarball: true }), 400, user, name, {
      field: 'tarball',
    });
    const json = await callJson('/packages/publish', { token: user.token, json: meta });
    await expectRefused(json, 400, user, name);
  });

  it('accepts the spec\'s part name "manifest" as well as the CLI\'s "metadata"', async () => {
    const user = await createUser('manifest');
    const name = packageName('manifest');
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'), {
      metadataPart: 'manifest',
    });
    expect(res.status).toBe(201);
  });
});

describe('what users extract is what the registry checked', () => {
  it('refuses metadata hiding a dependency raven.toml has, naming it', async () => {
    const user = await createUser('hide');
    const name = packageName('hide');
    const tarball = await makeTarball(name, '1.0.0', { deps: { dependencies: { 'raven-evil': '1.0.0' } } });
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), tarball);
    await expectRefused(res, 400, user, name, { field: 'dependencies.raven-evil', tarball });
    expect(res.body.message).toMatch(/"raven-evil" is in raven.toml's \[dependencies\]/);
  });

  it('refuses metadata whose dependency differs from raven.toml, naming it', async () => {
    const user = await createUser('hide');
    const name = packageName('hide');
    const tarball = await makeTarball(name, '1.0.0', { deps: { dev_dependencies: { 'raven-test': '1.0.0' } } });
    const meta = metadataFor(name, '1.0.0', {
      dev_dependencies: { 'raven-test': { version: '1.0.0', features: ['x'] } },
    });
    const res = await publishRaw(user.token, meta, tarball);
    await expectRefused(res, 400, user, name, { field: 'dev_dependencies.raven-test', tarball });
  });

  it('serves the dependencies raven.toml declares', async () => {
    const user = await createUser('deps');
    const name = packageName('deps');
    const deps = {
      dependencies: { 'raven-store': { version: '1.0.0', 'default-features': false, package: 'raven-store2' } },
      dev_dependencies: { 'raven-test': '1.0.0' },
    };
    await publishPackage(user.token, name, '1.0.0', deps);
    const { body } = await callJson(`/packages/${name}/1.0.0`);
    expect({ dependencies: body.dependencies, dev_dependencies: body.dev_dependencies }).toEqual(deps);
  });

  it('refuses raven.toml with a control character in its description', async () => {
    const user = await createUser('ctl');
    const name = packageName('ctl');
    const tarball = await makeTarball(name, '1.0.0', {
      extraToml: 'description = "ok \\u001b]8;;https://evil\\u0007"',
    });
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), tarball);
    await expectRefused(res, 400, user, name, { field: 'description', tarball });
  });

  it('refuses entries that collide on case-insensitive file systems, naming the entry', async () => {
    const user = await createUser('case');
    const name = packageName('case');
    const tarball = await makeTarball(name, '1.0.0', { entries: [tarFile('SRC/Lib.raven', 'shadow')] });
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), tarball);
    await expectRefused(res, 400, user, name, { field: 'tarball', tarball });
    expect(res.body.details.entry).toBe('SRC/Lib.raven');
  });

  it('refuses a GNU long name combined with a PAX path, naming the entry', async () => {
    const user = await createUser('pax');
    const name = packageName('pax');
    const tarball = await rawTarball(
      rawEntry({ name: 'raven.toml' }, ravenToml(name, '1.0.0')),
      gnuLong('L', 'src/seen-by-gnu-tar.raven'),
      pax({ path: 'src/seen-by-others.raven' }),
      rawEntry({ name: 'src/x.raven' }, 'payload'),
    );
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), tarball);
    await expectRefused(res, 400, user, name, { field: 'tarball', tarball });
    expect(res.body.message).toMatch(/GNU long-name/);
    expect(res.body.details.entry).toBe('src/seen-by-others.raven');
  });
});

describe('size limit', () => {
  const MAX = 50 * 1024 * 1024;

  it('refuses a declared Content-Length over 50 MiB with 413 before reading the body', async () => {
    const user = await createUser('big');
    const name = packageName('big');
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(ctl) {
        pulled += 1;
        ctl.enqueue(new Uint8Array(64 * 1024));
        if (pulled > 1000) ctl.close();
      },
    });
    const res = await callJson('/packages/publish', {
      token: user.token,
      body,
      headers: {
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(MAX + 2 * 1024 * 1024),
      },
    });
    await expectRefused(res, 413, user, name);
    expect(pulled).toBeLessThan(50);
  });

  it('refuses a streamed body that grows past 50 MiB with 413', async () => {
    const user = await createUser('big');
    const name = packageName('big');
    const tarball = await makeTarball(name, '1.0.0');
    const { multipartBody } = await import('../helpers/packages');
    const { body: head, contentType } = multipartBody(metadataFor(name, '1.0.0'), tarball);
    // Same framing as a real publish, but the tarball part keeps going to 52 MiB.
    const prefix = head.slice(0, head.byteLength - 60);
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(prefix);
      },
      pull(ctl) {
        if (sent >= MAX + 2 * 1024 * 1024) return ctl.close();
        sent += chunk.byteLength;
        ctl.enqueue(chunk);
      },
    });
    const res = await callJson('/packages/publish', {
      token: user.token,
      body,
      headers: { 'content-type': contentType },
    });
    await expectRefused(res, 413, user, name);
  });
});

describe('conflicts and races', () => {
  it('refuses a duplicate version with 409 and keeps the first', async () => {
    const user = await createUser('dup');
    const name = packageName('dup');
    const first = await publishPackage(user.token, name, '1.0.0');
    const again = await makeTarball(name, '1.0.0');
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), again);
    await expectRefused(res, 409, user, name, { ownedBefore: [`${name}@1.0.0`] });
    const { body } = await callJson(`/packages/${name}/1.0.0`);
    expect(body.checksum).toBe(first.body.checksum);
  });

  it('refuses a version equal but for build metadata with 409', async () => {
    const user = await createUser('build');
    const name = packageName('build');
    await publishPackage(user.token, name, '1.0.0+a');
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0+b'), await makeTarball(name, '1.0.0+b'));
    await expectRefused(res, 409, user, name, { ownedBefore: [`${name}@1.0.0+a`] });
  });

  it('refuses a yanked version being published again (versions are immutable)', async () => {
    const user = await createUser('yankdup');
    const name = packageName('yankdup');
    await publishPackage(user.token, name, '1.0.0');
    await publishPackage(user.token, name, '1.1.0');
    expect((await callJson(`/packages/${name}/1.1.0`, { method: 'DELETE', token: user.token })).status).toBe(200);
    const res = await publishRaw(user.token, metadataFor(name, '1.1.0'), await makeTarball(name, '1.1.0'));
    expect(res.status).toBe(409);
  });

  it('lets exactly one of several racing first publishes of a new package win', async () => {
    const user = await createUser('race');
    const name = packageName('race');
    const tarball = await makeTarball(name, '1.0.0');
    const results = await Promise.all(
      Array.from({ length: 5 }, () => publishRaw(user.token, metadataFor(name, '1.0.0'), tarball)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([201, 409, 409, 409, 409]);
    const { body } = await callJson(`/packages/${name}`);
    expect(body.versions).toEqual(['1.0.0']);
    expect(await ownedPackages(user)).toEqual([`${name}@1.0.0`]);
  });

  it('lets exactly one of several racing publishes of the same new version win', async () => {
    const user = await createUser('race');
    const name = packageName('race');
    await publishPackage(user.token, name, '1.0.0');
    const tarballs = await Promise.all(Array.from({ length: 4 }, () => makeTarball(name, '2.0.0')));
    const results = await Promise.all(tarballs.map((t) => publishRaw(user.token, metadataFor(name, '2.0.0'), t)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([201, 409, 409, 409]);
    const winner = results.find((r) => r.status === 201)!;
    const { body } = await callJson(`/packages/${name}/2.0.0`);
    expect(body.checksum).toBe(winner.body.checksum);
    expect((await callJson(`/packages/${name}`)).body.versions).toEqual(['1.0.0', '2.0.0']);
  });

  it('keeps latest_version right when different versions are published concurrently', async () => {
    const user = await createUser('conc');
    const name = packageName('conc');
    await publishPackage(user.token, name, '0.1.0');
    const versions = ['1.0.0', '1.2.0', '1.1.0', '2.0.0-beta.1', '1.10.0'];
    const results = await Promise.all(
      versions.map(async (v) => publishRaw(user.token, metadataFor(name, v), await makeTarball(name, v))),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const { body } = await callJson(`/packages/${name}`);
    expect(body.versions).toEqual(['0.1.0', '1.0.0', '1.1.0', '1.2.0', '1.10.0', '2.0.0-beta.1']);
    expect(body.latest_version).toBe('1.10.0');
  });

  it('refuses lookalike names: hyphens removed, they equal an existing package', async () => {
    const user = await createUser('look');
    const base = packageName('look');
    await publishPackage(user.token, base);
    const other = await createUser('look');
    const lookalike = base.replaceAll('-', '');
    const res = await publishRaw(other.token, metadataFor(lookalike, '1.0.0'), await makeTarball(lookalike, '1.0.0'));
    await expectRefused(res, 409, other, lookalike);
    expect(res.body.details.existing).toBe(base);
    expect(res.body.message).toContain(base);
  });
});

describe('authorisation', () => {
  it('requires a token (401)', async () => {
    const name = packageName('anon');
    const res = await publishRaw(undefined, metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('authentication_required');
    expect((await callJson(`/packages/${name}`)).status).toBe(404);
  });

  it('refuses a revoked token (401)', async () => {
    const user = await createUser('revoked');
    const created = await callJson('/users/me/tokens', { token: user.token, json: { name: 'ci' } });
    expect(created.status).toBe(201);
    const revoked = await callJson(`/users/me/tokens/${created.body.token_id}`, {
      method: 'DELETE',
      token: user.token,
    });
    expect(revoked.status).toBe(200);
    const name = packageName('revoked');
    const res = await publishRaw(created.body.token, metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'));
    await expectRefused(res, 401, user, name);
  });

  it('refuses a token without the publish scope (403)', async () => {
    const user = await createUser('scope');
    const created = await callJson('/users/me/tokens', {
      token: user.token,
      json: { name: 'yank-only', scopes: ['yank'] },
    });
    const name = packageName('scope');
    const res = await publishRaw(created.body.token, metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'));
    await expectRefused(res, 403, user, name);
  });

  it('refuses a token whose package pattern does not match (403) and accepts one that does', async () => {
    const user = await createUser('pattern');
    const created = await callJson('/users/me/tokens', {
      token: user.token,
      json: { name: 'only-ci', scopes: ['publish'], package_pattern: 'ci-*' },
    });
    const name = packageName('other');
    const res = await publishRaw(created.body.token, metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'));
    await expectRefused(res, 403, user, name);
    const allowed = packageName('ci');
    const ok = await publishRaw(created.body.token, metadataFor(allowed, '1.0.0'), await makeTarball(allowed, '1.0.0'));
    expect(ok.status).toBe(201);
  });

  it('refuses a new version from someone who is not an owner or maintainer (403)', async () => {
    const owner = await createUser('owner');
    const name = packageName('owned');
    await publishPackage(owner.token, name, '1.0.0');
    const stranger = await createUser('stranger');
    const tarball = await makeTarball(name, '1.1.0');
    const res = await publishRaw(stranger.token, metadataFor(name, '1.1.0'), tarball);
    await expectRefused(res, 403, stranger, name, { ownedBefore: [], tarball });
    expect((await callJson(`/packages/${name}`)).body.versions).toEqual(['1.0.0']);
  });
});

describe('refusals decided by the metadata part', () => {
  const encoder = new TextEncoder();
  const TARBALL_BYTES = 48 * 1024 * 1024;

  /** Every object key in the bucket (the tests' bucket is small). */
  async function bucketKeys(): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await env.TARBALLS.list({ cursor });
      keys.push(...page.objects.map((o) => o.key));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return keys.sort();
  }

  /**
   * A publish as the CLI orders it, metadata first, whose tarball part then
   * runs to 48 MiB (under the cap), counting how much of it the server pulls.
   */
  function meteredPublish(token: string, metadata: Metadata) {
    const boundary = `metered${crypto.randomUUID().replaceAll('-', '')}`;
    const head = encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify(metadata)}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="tarball"; filename="${metadata.name}-${metadata.version}.tar.gz"\r\n\r\n`,
    );
    const chunk = new Uint8Array(64 * 1024);
    const meter = { pulled: 0 };
    const body = new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(head);
      },
      pull(ctl) {
        if (meter.pulled >= TARBALL_BYTES) {
          ctl.enqueue(encoder.encode(`\r\n--${boundary}--\r\n`));
          ctl.close();
          return;
        }
        meter.pulled += chunk.byteLength;
        ctl.enqueue(chunk);
      },
    });
    const res = callJson('/packages/publish', {
      token,
      body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    return { res, meter };
  }

  /** Uses up the user's new-name allowance (10 an hour) directly on their limiter. */
  async function exhaustNewNames(user: TestUser) {
    const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`new-package:${user.userId}`));
    for (let i = 0; i < 10; i++) await limiter.take(10);
  }

  it('over the new-name limit: 429 before the upload, R2 holds nothing new', async () => {
    const user = await createUser('overlimit');
    await exhaustNewNames(user);
    const name = packageName('overlimit');
    const tarball = await makeTarball(name, '1.0.0');
    const before = await bucketKeys();
    const { body, contentType } = multipartBody(metadataFor(name, '1.0.0'), tarball);
    const res = await call('/packages/publish', {
      method: 'POST',
      token: user.token,
      body,
      headers: { 'content-type': contentType },
    });
    const refusal = await expectRefusal(res, 10);
    expect(refusal.message).toMatch(/new package/i);
    expect(await bucketKeys()).toEqual(before);
    expect(await env.TARBALLS.head(r2KeyFor(await sha256(tarball)))).toBeNull();
    expect((await callJson(`/packages/${name}`)).status).toBe(404);
  });

  it('over the new-name limit: the body stops being read after the metadata part', async () => {
    const user = await createUser('overlimit');
    await exhaustNewNames(user);
    const name = packageName('overlimit');
    const before = await bucketKeys();
    const { res, meter } = meteredPublish(user.token, metadataFor(name, '1.0.0'));
    expect((await res).status).toBe(429);
    expect(meter.pulled).toBeLessThan(4 * 1024 * 1024);
    expect(await bucketKeys()).toEqual(before);
  });

  it('not an owner or maintainer: 403, the body stops being read, R2 holds nothing new', async () => {
    const owner = await createUser('owner');
    const name = packageName('guarded');
    await publishPackage(owner.token, name, '1.0.0');
    const stranger = await createUser('stranger');
    const before = await bucketKeys();
    const { res, meter } = meteredPublish(stranger.token, metadataFor(name, '1.1.0'));
    const refused = await res;
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body.error).toBe('permission_denied');
    expect(meter.pulled).toBeLessThan(4 * 1024 * 1024);
    expect(await bucketKeys()).toEqual(before);
    expect((await callJson(`/packages/${name}`)).body.versions).toEqual(['1.0.0']);
  });

  it('new versions of an existing package are not held back by an exhausted new-name limit', async () => {
    const user = await createUser('versions');
    const name = packageName('versions');
    await publishPackage(user.token, name, '1.0.0');
    await exhaustNewNames(user);
    await publishPackage(user.token, name, '1.1.0');
  });
});

describe('OpenAPI', () => {
  it('documents every package route', async () => {
    const { status, body } = await callJson('/openapi.json');
    expect(status).toBe(200);
    const paths = Object.keys(body.paths);
    for (const path of [
      '/api/v1/packages/publish',
      '/api/v1/packages/{name}',
      '/api/v1/packages/{name}/{version}',
      '/api/v1/packages/{name}/{version}/download',
      '/api/v1/packages/{name}/{version}/unyank',
      '/api/v1/packages/{name}/owners',
      '/api/v1/packages/{name}/owners/{username}',
      '/api/v1/packages/{name}/audit',
    ]) {
      expect(paths).toContain(path);
    }
    expect(Object.keys(body.paths['/api/v1/packages/publish'].post.requestBody.content)).toEqual([
      'multipart/form-data',
    ]);
  });
});
