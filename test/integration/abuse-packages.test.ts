// Hostile and malformed input against the package, discovery, owners,
// deprecation and webhook routes: always the contract's 4xx body, never a 500,
// and nothing written: no package or version row, the caller's packages
// unchanged, no tarball stored under the checksum of the bytes sent, owners,
// deprecation and webhooks as they were.
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, callJson } from '../helpers/client';
import { errorBody, errorCodeFor } from '../helpers/contract';
import { httpDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { makeTarball, metadataFor, packageName, publishPackage, publishRaw, sha256 } from '../helpers/packages';

const db = httpDb();

type Reply = { status: number; body: any };

function expectContractError(res: Reply, allowed: number[]) {
  expect(allowed, JSON.stringify(res.body).slice(0, 500)).toContain(res.status);
  expect(res.body).toMatchObject(errorBody(errorCodeFor(res.status)));
}

function expectFieldError(res: Reply, prefix: string) {
  expectContractError(res, [400]);
  const fields = Object.keys(res.body.details?.fields ?? {});
  expect(
    fields.some((f) => f.startsWith(prefix)),
    `${prefix} not in ${JSON.stringify(fields).slice(0, 300)}`,
  ).toBe(true);
}

/** Every package the user is listed on, in any role, straight from the rows. */
async function ownedPackages(user: TestUser): Promise<string[]> {
  const result = await db.execute<{ name: string }>(sql`
    select p.name from package_owners o join packages p on p.id = o.package_id
    where o.user_id = ${user.userId} order by p.name`);
  return result.rows.map((r) => r.name);
}

/** Package rows under this exact name or its canonical form, and their versions. */
async function rowsFor(name: string): Promise<{ packages: number; versions: string[] }> {
  // Postgres text cannot hold a NUL: such a name can never have been stored.
  if (name.includes('\0')) return { packages: 0, versions: [] };
  const result = await db.execute<{ packages: number; versions: string[] }>(sql`
      select
        (select count(*)::int from packages where name = ${name} or canonical_name = replace(${name}, '-', '')) as packages,
        coalesce((select array_agg(v.version order by v.version) from versions v join packages p on p.id = v.package_id
          where p.name = ${name}), '{}') as versions`);
  const row = result.rows[0];
  return { packages: Number(row?.packages ?? 0), versions: row?.versions ?? [] };
}

const hasControlCharacter = (s: string) => [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

const blobKey = async (tarball: Uint8Array) => `tarballs/sha256/${(await sha256(tarball)).slice(7)}.tar.gz`;

/** A refused publish of a new name left nothing: no rows, no new package for the caller, no blob. */
async function expectNothingPublished(user: TestUser, name: string, tarball: Uint8Array, ownedBefore: string[]) {
  expect(await rowsFor(name)).toEqual({ packages: 0, versions: [] });
  expect(await ownedPackages(user)).toEqual(ownedBefore);
  expect(await env.TARBALLS.head(await blobKey(tarball))).toBeNull();
}

/** Publish metadata given as JSON text, for shapes JSON.stringify cannot build (deep nesting). */
function metadataText(name: string, version: string, dependencies: string): string {
  return JSON.stringify(metadataFor(name, version)).replace('"dependencies":{}', `"dependencies":${dependencies}`);
}

interface Part {
  name: string;
  filename?: string;
  body: string | Uint8Array;
  /** Replaces the Content-Disposition line entirely. */
  rawHeaders?: string;
}

const encoder = new TextEncoder();

function form(parts: Part[], options: { close?: boolean } = {}) {
  const boundary = `abuse${crypto.randomUUID().replaceAll('-', '')}`;
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    const disposition =
      p.rawHeaders ??
      `Content-Disposition: form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    chunks.push(encoder.encode(`--${boundary}\r\n${disposition}\r\n\r\n`));
    chunks.push(typeof p.body === 'string' ? encoder.encode(p.body) : p.body);
    chunks.push(encoder.encode('\r\n'));
  }
  if (options.close !== false) chunks.push(encoder.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

const postForm = (token: string, f: { body: Uint8Array; contentType: string }) =>
  callJson('/packages/publish', {
    method: 'POST',
    token,
    body: f.body,
    headers: { 'content-type': f.contentType },
  });

let publisher: TestUser;

beforeAll(async () => {
  publisher = await createUser('abuse');
});

/** Publishes `overrides` for a fresh name and expects a 400 naming `field`, with nothing written. */
async function refusedMetadata(overrides: Record<string, unknown>, field: string) {
  const name = packageName('abuse');
  const tarball = await makeTarball(name, '1.0.0');
  const owned = await ownedPackages(publisher);
  const res = await publishRaw(publisher.token, { ...metadataFor(name, '1.0.0'), ...overrides }, tarball, {
    filename: `${name}-1.0.0.tar.gz`,
  });
  expectFieldError(res, field);
  await expectNothingPublished(publisher, name, tarball, owned);
}

describe.concurrent('publish: oversized metadata (within the 1 MiB multipart field cap)', () => {
  const big = 'x'.repeat(256 * 1024);
  const cases: [string, Record<string, unknown>, string][] = [
    ['description of 1 MiB less 4 KiB', { description: 'd'.repeat(1024 * 1024 - 4096) }, 'description'],
    ['name', { name: `a${big}` }, 'name'],
    ['version', { version: `1.0.0-${big}` }, 'version'],
    ['license', { license: big }, 'license'],
    ['repository', { repository: `https://example.com/${big}` }, 'repository'],
    ['homepage', { homepage: `https://example.com/${big}` }, 'homepage'],
    ['an author', { authors: [big] }, 'authors.0'],
    ['a keyword', { keywords: [big] }, 'keywords.0'],
    ['a dependency name', { dependencies: { [`a${big}`]: '1.0' } }, 'dependencies'],
    ['a dependency requirement', { dependencies: { 'raven-x': `>=1.0.0, ${big}` } }, 'dependencies.raven-x'],
    ['a feature', { dependencies: { 'raven-x': { version: '1', features: [big] } } }, 'dependencies.raven-x'],
    ['a git source', { dependencies: { 'raven-x': { git: `https://example.com/${big}` } } }, 'dependencies.raven-x'],
    ['10,000 keywords', { keywords: Array.from({ length: 10_000 }, (_, i) => `k${i}`) }, 'keywords'],
    ['10,000 authors', { authors: Array.from({ length: 10_000 }, (_, i) => `a${i}`) }, 'authors'],
    [
      '10,000 dependencies',
      { dependencies: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`d${i}`, '1.0'])) },
      'dependencies',
    ],
    [
      '10,000 features',
      { dependencies: { 'raven-x': { version: '1', features: Array.from({ length: 10_000 }, (_, i) => `f${i}`) } } },
      'dependencies.raven-x',
    ],
  ];
  it.each(cases)('refuses %s with 400 and writes nothing', async (_what, overrides, field) => {
    await refusedMetadata(overrides, field);
  });

  it('refuses a metadata part over 1 MiB as a whole', async () => {
    const name = packageName('abuse');
    const tarball = await makeTarball(name, '1.0.0');
    const owned = await ownedPackages(publisher);
    const res = await publishRaw(
      publisher.token,
      metadataFor(name, '1.0.0', { description: 'd'.repeat(1 << 20) }),
      tarball,
    );
    expectFieldError(res, 'body');
    await expectNothingPublished(publisher, name, tarball, owned);
  });
});

describe.concurrent('publish: deeply nested dependency objects', () => {
  const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const cases: [string, string][] = [
    ['an unknown key nesting objects 100,000 deep', `{"raven-x":{"version":"1","extra":${deepObject(100_000)}}}`],
    ['an unknown key nesting arrays 200,000 deep', `{"raven-x":{"version":"1","extra":${deepArray(200_000)}}}`],
    ['an unknown key just past the depth bound', `{"raven-x":{"version":"1","extra":${deepObject(6)}}}`],
    ['dependency names nested as objects', deepObject(10_000).replaceAll('"a"', '"raven-x"')],
    ['features nested as arrays', `{"raven-x":{"version":"1","features":${deepArray(50_000)}}}`],
  ];
  it.each(cases)('refuses %s with 400, no blob and no rows', async (_what, dependencies) => {
    const name = packageName('deep');
    const tarball = await makeTarball(name, '1.0.0');
    const owned = await ownedPackages(publisher);
    const res = await publishRaw(publisher.token, metadataText(name, '1.0.0', dependencies), tarball, {
      filename: `${name}-1.0.0.tar.gz`,
    });
    expectFieldError(res, 'dependencies');
    await expectNothingPublished(publisher, name, tarball, owned);
  });

  it('refuses unknown dependency keys, which clients would ignore, naming the dependency', async () => {
    const name = packageName('deep');
    const tarball = await makeTarball(name, '1.0.0');
    const owned = await ownedPackages(publisher);
    const dependencies = '{"raven-x":{"version":"1","default-features":false,"extra":{"a":{"b":[1]}}}}';
    const res = await publishRaw(publisher.token, metadataText(name, '1.0.0', dependencies), tarball);
    expectFieldError(res, 'dependencies.raven-x');
    await expectNothingPublished(publisher, name, tarball, owned);
  });
});

describe.concurrent('publish: NUL bytes', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['the description', { description: 'fine\u0000text' }, 'description'],
    ['an author', { authors: ['Ann\u0000'] }, 'authors.0'],
    ['a keyword', { keywords: ['ok', 'k\u0000'] }, 'keywords.1'],
    ['the license', { license: 'MIT\u0000' }, 'license'],
    ['the repository', { repository: 'https://example.com/\u0000' }, 'repository'],
    ['a dependency name', { dependencies: { 'raven-x\u0000': '1.0' } }, 'dependencies'],
    ['a dependency requirement', { dependencies: { 'raven-x': '1.0\u0000' } }, 'dependencies.raven-x'],
    ['a feature', { dependencies: { 'raven-x': { version: '1', features: ['f\u0000'] } } }, 'dependencies.raven-x'],
    ['an unknown dependency key', { dependencies: { 'raven-x': { version: '1', 'k\u0000': 'v' } } }, 'dependencies'],
    ['an unknown dependency value', { dev_dependencies: { 'raven-x': { version: '1', k: ['\u0000'] } } }, 'dev_'],
    ['the name', { name: 'raven\u0000x' }, 'name'],
    ['the version', { version: '1.0.0\u0000' }, 'version'],
  ];
  it.each(cases)('in %s: 400 naming the field, before any upload', async (_what, overrides, field) => {
    await refusedMetadata(overrides, field);
  });
});

describe.concurrent('publish: SQL fragments, confusables and header injection', () => {
  const badNames: [string, string][] = [
    ['an SQL fragment', "x'; drop table packages; --"],
    ['another SQL fragment', "raven' or '1'='1"],
    ['a Cyrillic а (confusable)', 'rаven-forms'],
    ['full-width letters', 'ｒａｖｅｎ'],
    ['a zero-width joiner', 'raven\u200dforms'],
    ['a right-to-left override', 'raven\u202eforms'],
    ['CRLF and a header', 'raven\r\nX-Injected: yes'],
    ['a quote', 'raven"x'],
    ['a semicolon', 'raven;filename=evil'],
    ['a slash', 'raven/../x'],
  ];
  it.each(badNames)('refuses a name with %s (400 name, nothing written)', async (_what, name) => {
    const tarball = await makeTarball('anything', '1.0.0');
    const owned = await ownedPackages(publisher);
    const res = await publishRaw(publisher.token, metadataFor(name, '1.0.0'), tarball, { filename: 'x.tar.gz' });
    expectFieldError(res, 'name');
    await expectNothingPublished(publisher, name, tarball, owned);
  });

  const badFields: [string, Record<string, unknown>, string][] = [
    ['a Cyrillic dependency name', { dependencies: { 'rаven-x': '1.0' } }, 'dependencies'],
    ['a Cyrillic keyword', { keywords: ['fоrms'] }, 'keywords.0'],
    ['an SQL requirement', { dependencies: { 'raven-x': "1.0'); delete from versions; --" } }, 'dependencies.raven-x'],
    ['an SQL keyword', { keywords: ["x' or 1=1"] }, 'keywords.0'],
    ['a CRLF version', { version: '1.0.0\r\nX-Injected: yes' }, 'version'],
    ['a CRLF license', { license: 'MIT\r\nX-Injected: yes' }, 'license'],
    ['a CRLF keyword', { keywords: ['a\r\nb'] }, 'keywords.0'],
    ['a CRLF dependency name', { dependencies: { 'raven\r\nx': '1.0' } }, 'dependencies'],
  ];
  it.each(badFields)('refuses %s (400, nothing written)', async (_what, overrides, field) => {
    await refusedMetadata(overrides, field);
  });

  it('stores SQL in free text verbatim and the tables are intact', async () => {
    const user = await createUser('sqltext');
    const name = packageName('sqltext');
    const description = '\'); drop table packages; -- \\ $$ " ; select pg_sleep(10);';
    const authors = ["Robert'); DROP TABLE users;--"];
    await publishPackage(user.token, name, '1.0.0', { description, authors });
    const { body } = await callJson(`/packages/${name}/1.0.0`);
    expect(body.description).toBe(description);
    expect(body.authors).toEqual(authors);
    expect((await rowsFor(name)).versions).toEqual(['1.0.0']);
    expect((await callJson(`/users/${user.username}`)).status).toBe(200);
  });

  it('the download Content-Disposition cannot be injected through the uploaded filename', async () => {
    const user = await createUser('dispo');
    const name = packageName('dispo');
    const tarball = await makeTarball(name, '1.0.0');
    // A quote ends the filename parameter and CRLF starts a new part header; the
    // server must take the file name from the validated metadata, never from here.
    const filename = 'evil.tar.gz"\r\nX-Injected: yes\r\nContent-Disposition: attachment; filename="owned.sh';
    const res = await publishRaw(user.token, metadataFor(name, '1.0.0'), tarball, { filename });
    expect([201, 400]).toContain(res.status);
    if (res.status === 400) {
      expectContractError(res, [400]);
      return expectNothingPublished(user, name, tarball, []);
    }
    const download = await call(`/packages/${name}/1.0.0/download`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${name}-1.0.0.tar.gz"`);
    expect(download.headers.get('x-injected')).toBeNull();
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(tarball);
  });

  it('names and versions smuggled into the download URL are 404s, never a header', async () => {
    const user = await createUser('dispo');
    const name = packageName('dispo');
    await publishPackage(user.token, name, '1.0.0');
    const paths = [
      `/packages/${name}/${encodeURIComponent('1.0.0"\r\nX-Injected: yes')}/download`,
      `/packages/${name}/${encodeURIComponent('1.0.0"; filename="evil.sh')}/download`,
      `/packages/${encodeURIComponent(`${name}"\r\nX-Injected: yes`)}/1.0.0/download`,
      `/packages/${encodeURIComponent(`${name}\u0000`)}/1.0.0/download`,
      `/packages/${name}/${encodeURIComponent('1.0.0\u0000')}/download`,
    ];
    for (const path of paths) {
      const res = await call(path);
      expect([400, 404], path).toContain(res.status);
      expect(res.headers.get('x-injected')).toBeNull();
      expect(res.headers.get('content-disposition')).toBeNull();
      expect(((await res.json()) as { error: string }).error).toBe(errorCodeFor(res.status));
    }
  });
});

describe.concurrent('publish: wrong types for every metadata field', () => {
  const cases: [string, unknown][] = [
    ['name', 42],
    ['name', null],
    ['name', ['raven']],
    ['version', 1.0],
    ['version', { major: 1 }],
    ['authors', 'Ann'],
    ['authors', [{ name: 'Ann' }]],
    ['description', 42],
    ['description', ['text']],
    ['description', { text: 'x' }],
    ['license', true],
    ['repository', 5],
    ['homepage', ['https://example.com']],
    ['keywords', 'a,b'],
    ['keywords', [1, 2]],
    ['dependencies', ['raven-x']],
    ['dependencies', 'raven-x'],
    ['dependencies', { 'raven-x': 1 }],
    ['dependencies', { 'raven-x': null }],
    ['dependencies', { 'raven-x': { version: 1 } }],
    ['dependencies', { 'raven-x': { version: '1', optional: 'yes' } }],
    ['dependencies', { 'raven-x': { version: '1', features: 'a' } }],
    ['dev_dependencies', 7],
    ['dev_dependencies', { 'raven-x': [] }],
  ];
  it.each(cases)('%s = %j is a 400 naming it', async (field, value) => {
    await refusedMetadata({ [field]: value }, field);
  });

  it.each([
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"raven"'],
    ['a number', '42'],
    ['empty', ''],
    ['a BOM and garbage', '\ufeff{"name":'],
  ])('metadata that is %s is a 400', async (_what, text) => {
    const name = packageName('shape');
    const tarball = await makeTarball(name, '1.0.0');
    const owned = await ownedPackages(publisher);
    const res = await publishRaw(publisher.token, text, tarball, { filename: `${name}-1.0.0.tar.gz` });
    expectContractError(res, [400]);
    await expectNothingPublished(publisher, name, tarball, owned);
  });
});

describe.concurrent('publish: missing, doubled and malformed parts', () => {
  async function refusedForm(build: (name: string, tarball: Uint8Array) => Part[], field: string, close = true) {
    const name = packageName('parts');
    const tarball = await makeTarball(name, '1.0.0');
    const owned = await ownedPackages(publisher);
    const res = await postForm(publisher.token, form(build(name, tarball), { close }));
    expectFieldError(res, field);
    await expectNothingPublished(publisher, name, tarball, owned);
  }
  const meta = (name: string): Part => ({ name: 'metadata', body: JSON.stringify(metadataFor(name, '1.0.0')) });
  const file = (name: string, tarball: Uint8Array): Part => ({
    name: 'tarball',
    filename: `${name}-1.0.0.tar.gz`,
    body: tarball,
  });

  it('a tarball part sent as text (no filename) is a 400', () =>
    refusedForm((n, t) => [meta(n), { name: 'tarball', body: t }], 'tarball'));
  it('a tarball part holding text is a 400', () =>
    refusedForm(
      (n) => [meta(n), { name: 'tarball', filename: `${n}-1.0.0.tar.gz`, body: 'not a tarball' }],
      'tarball',
    ));
  it('two tarball parts are a 400', async () => {
    const name = packageName('parts');
    const [a, b] = [await makeTarball(name, '1.0.0'), await makeTarball(name, '1.0.0')];
    const owned = await ownedPackages(publisher);
    const res = await postForm(publisher.token, form([meta(name), file(name, a), file(name, b)]));
    expectFieldError(res, 'tarball');
    await expectNothingPublished(publisher, name, a, owned);
    expect(await env.TARBALLS.head(await blobKey(b))).toBeNull();
  });
  it('two metadata parts are a 400', () => refusedForm((n, t) => [meta(n), meta(n), file(n, t)], 'metadata'));
  it('an empty tarball part is a 400', () =>
    refusedForm((n) => [meta(n), { name: 'tarball', filename: 'x.tar.gz', body: '' }], 'tarball'));
  it('only a tarball part is a 400', () => refusedForm((n, t) => [file(n, t)], 'metadata'));
  it('only a metadata part is a 400', () => refusedForm((n) => [meta(n)], 'tarball'));
  it('no parts at all is a 400', () => refusedForm(() => [], 'metadata'));
  it('a body cut before its closing delimiter is a 400', () =>
    refusedForm((n, t) => [meta(n), file(n, t)], 'body', false));
  it('a part without Content-Disposition is a 400', () =>
    refusedForm(
      (n, t) => [meta(n), { name: 'tarball', body: t, rawHeaders: 'Content-Type: application/gzip' }],
      'body',
    ));
  it('a part without a name is a 400', () =>
    refusedForm((n, t) => [meta(n), { name: '', body: t, rawHeaders: 'Content-Disposition: form-data' }], 'body'));
  it('17 parts are a 400', () =>
    refusedForm(
      (n, t) => [
        meta(n),
        file(n, t),
        ...Array.from({ length: 15 }, (_, i): Part => ({ name: `extra${i}`, body: 'x' })),
      ],
      'body',
    ));
  it('a part header of 16 KiB is a 400', () =>
    refusedForm(
      (n, t) => [
        meta(n),
        {
          name: 'tarball',
          body: t,
          rawHeaders: `Content-Disposition: form-data; name="tarball"; filename="${'a'.repeat(16 * 1024)}"`,
        },
      ],
      'body',
    ));

  it('a multipart type without a boundary, or a JSON body, is a 400', async () => {
    const name = packageName('parts');
    const tarball = await makeTarball(name, '1.0.0');
    const { body } = form([meta(name), file(name, tarball)]);
    const owned = await ownedPackages(publisher);
    for (const contentType of [
      'multipart/form-data',
      'application/json',
      'text/plain',
      'multipart/mixed; boundary=x',
    ]) {
      const res = await callJson('/packages/publish', {
        method: 'POST',
        token: publisher.token,
        body,
        headers: { 'content-type': contentType },
      });
      expectContractError(res, [400]);
    }
    await expectNothingPublished(publisher, name, tarball, owned);
  });
});

describe.concurrent('discovery with hostile queries', () => {
  const queries = [
    'a & b | !c:*',
    "'",
    "''",
    '\\',
    '\\\\',
    '!',
    '(((',
    '<->',
    'a <-> b <2> c',
    ':*',
    "a:* & 'b' | !!c",
    '%',
    '_',
    "x' or '1'='1",
    "'; drop table packages; --",
    'rаven', // Cyrillic
    '\u202eevil',
    '\r\nX-Injected: yes',
    'x'.repeat(256),
  ];
  it.each(queries)('search q=%j is a 200 with the contract shape', async (q) => {
    const { status, body } = await callJson(`/search?q=${encodeURIComponent(q)}`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(Array.isArray(body.results)).toBe(true);
    expect(Number.isInteger(body.total)).toBe(true);
  });

  it.each([
    ['a NUL', 'a\u0000b'],
    ['10 KiB', 'x'.repeat(10 * 1024)],
    ['only spaces', '   '],
  ])('search q with %s is a 400', async (_what, q) => {
    const res = await callJson(`/search?q=${encodeURIComponent(q)}`);
    expectContractError(res, [400]);
  });

  it('hostile paging and periods are 400s; hostile categories 404s', async () => {
    for (const path of [
      '/search?q=raven&limit=-1',
      '/search?q=raven&limit=1e3',
      '/search?q=raven&limit=0x10',
      "/search?q=raven&offset=1'",
      '/search?q=raven&limit=99999999999999999999',
      '/packages/trending?period=%27%3B%20drop',
      '/packages/trending?limit=%00',
    ]) {
      expectContractError(await callJson(path), [400]);
    }
    for (const category of ["ui' or '1'='1", 'uі', '%00', 'ui\r\nX-Injected: 1', 'x'.repeat(1000)]) {
      const res = await callJson(`/packages/categories/${encodeURIComponent(category)}`);
      expectContractError(res, [400, 404]);
    }
  });

  it.each(["x' or '1'='1", 'rаven-forms', 'a\u0000b', 'a\r\nX-Injected: yes', 'x'.repeat(1000), '%2e%2e'])(
    'package, version, stats and owners reads of %j are clean 4xx',
    async (name) => {
      const enc = encodeURIComponent(name);
      for (const path of [
        `/packages/${enc}`,
        `/packages/${enc}/1.0.0`,
        `/packages/${enc}/stats`,
        `/packages/${enc}/owners`,
        `/packages/${enc}/${enc}`,
        `/packages/raven-forms/${enc}`,
      ]) {
        const res = await callJson(path);
        expectContractError(res, [400, 404]);
        expect(res.res.headers.get('x-injected')).toBeNull();
      }
    },
  );
});

describe.concurrent('owners, deprecation, yank and webhooks with hostile input', () => {
  let owner: TestUser;
  let victim: TestUser;
  let name: string;

  const ownersOf = async () => (await callJson(`/packages/${name}/owners`)).body.owners;

  beforeAll(async () => {
    owner = await createUser('hostile');
    victim = await createUser('victima');
    name = packageName('hostile');
    await publishPackage(owner.token, name, '1.0.0');
  });

  it('PUT owners with hostile usernames: 4xx, owners unchanged', async () => {
    const before = await ownersOf();
    const confusable = victim.username.replace('a', 'а'); // Cyrillic а
    expect(confusable).not.toBe(victim.username);
    const usernames: unknown[] = [
      confusable,
      "x' or '1'='1",
      `${victim.username}'; --`,
      `${victim.username}\u0000`,
      `${victim.username}\r\nX-Injected: yes`,
      `${victim.username}\u200d`,
      '%',
      '_',
      '*',
      'x'.repeat(64),
    ];
    for (const username of usernames) {
      const res = await callJson(`/packages/${name}/owners`, {
        method: 'PUT',
        token: owner.token,
        json: { username, role: 'owner' },
      });
      expectContractError(res, [400, 404]);
    }
    const bodies: unknown[] = [
      { username: 42, role: 'owner' },
      { username: victim.username, role: 'admin' },
      { username: victim.username, role: "owner' --" },
      { username: victim.username },
      { username: [victim.username], role: 'owner' },
      { username: '', role: 'owner' },
      { username: 'x'.repeat(65), role: 'owner' },
      [],
      null,
      'owner',
    ];
    for (const json of bodies) {
      const res = await callJson(`/packages/${name}/owners`, { method: 'PUT', token: owner.token, json });
      expectContractError(res, [400]);
    }
    const huge = await callJson(`/packages/${name}/owners`, {
      method: 'PUT',
      token: owner.token,
      json: { username: 'u'.repeat(1 << 20), role: 'owner' },
    });
    expectContractError(huge, [413]);
    expect(await ownersOf()).toEqual(before);
  });

  it('DELETE owners with hostile usernames: 4xx, owners unchanged', async () => {
    const before = await ownersOf();
    for (const username of [
      "x' or '1'='1",
      `${owner.username.replace('h', 'һ')}`, // Cyrillic һ
      `${owner.username}\u0000`,
      `${owner.username}%`,
      '%25',
      'x'.repeat(65),
    ]) {
      const res = await callJson(`/packages/${name}/owners/${encodeURIComponent(username)}`, {
        method: 'DELETE',
        token: owner.token,
      });
      expectContractError(res, [400, 403, 404]);
    }
    expect(await ownersOf()).toEqual(before);
  });

  it('deprecation with hostile or malformed bodies: 4xx, package not deprecated', async () => {
    for (const json of [
      { message: 'bad\u0000message' },
      { message: 'Use \u001b[8mhidden\u001b[0m instead' },
      { message: 'Use raven-forms\u202e instead' },
      { message: 'two\nlines' },
      { message: 42 },
      { message: ['x'] },
      { message: '' },
      { message: '   ' },
      { message: 'x'.repeat(1025) },
      {},
      [],
      null,
    ]) {
      const res = await callJson(`/packages/${name}/deprecate`, { method: 'PUT', token: owner.token, json });
      expectContractError(res, [400]);
    }
    const deep = await callJson(`/packages/${name}/deprecate`, {
      method: 'PUT',
      token: owner.token,
      body: `{"message":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      headers: { 'content-type': 'application/json' },
    });
    expectContractError(deep, [400]);
    const huge = await callJson(`/packages/${name}/deprecate`, {
      method: 'PUT',
      token: owner.token,
      json: { message: 'm'.repeat(1 << 20) },
    });
    expectContractError(huge, [413]);
    const pkg = await callJson(`/packages/${name}`);
    expect(pkg.body).not.toHaveProperty('deprecated');
    const rows = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from packages where name = ${name} and deprecated_at is null and deprecation_message is null`,
    );
    expect(rows.rows[0]?.n).toBe(1);
  });

  it('yank and unyank of hostile versions are 4xx and change nothing', async () => {
    for (const version of ["1.0.0' or '1'='1", '1.0.0\u0000', '1.0.0\r\nX-Injected: yes', '１.0.0', '*', '%']) {
      const enc = encodeURIComponent(version);
      expectContractError(
        await callJson(`/packages/${name}/${enc}`, { method: 'DELETE', token: owner.token }),
        [400, 404],
      );
      expectContractError(
        await callJson(`/packages/${name}/${enc}/unyank`, { method: 'PUT', token: owner.token }),
        [400, 404],
      );
    }
    const pkg = (await callJson(`/packages/${name}`)).body;
    expect(pkg.versions).toEqual(['1.0.0']);
    expect(pkg.latest_version).toBe('1.0.0');
  });

  it('webhook URLs with CRLF, NUL and other tricks: refused, or stored with no control characters', async () => {
    const hookPackage = packageName('hooks');
    await publishPackage(owner.token, hookPackage, '1.0.0');
    const urls = [
      'https://exa\r\nmple.com/hook',
      'https://example.com/a\r\nX-Injected: yes',
      'https://example.com/a\r\n\r\nPOST /admin HTTP/1.1',
      'https://example.com/\u0000',
      'https://ex\u0000ample.com/',
      'https://example.com/%0d%0aX-Injected:%20yes',
      'https://example.com\r\n.evil.test/',
      'https://127.0.0.1\r\n:9/',
      'https://example.com/\t\n/x',
      'https://user:pa\r\nss@example.com/',
      'javascript:alert(1)//\r\nhttps://example.com/',
      'https://еxample.com/', // Cyrillic е: a different, legitimate IDN host
      '  ',
      '',
    ];
    for (const url of urls) {
      const res = await callJson(`/packages/${hookPackage}/webhooks`, { token: owner.token, json: { url } });
      if (res.status === 201) {
        expect(hasControlCharacter(res.body.url), JSON.stringify(url)).toBe(false);
        expect(() => new URL(res.body.url)).not.toThrow();
      } else {
        expectFieldError(res, 'url');
      }
    }
    const malformed: unknown[] = [
      { url: 42 },
      { url: ['https://example.com/'] },
      { url: 'https://example.com/ok', events: 'package.published' },
      { url: 'https://example.com/ok', events: ["package.published' --"] },
      { url: 'https://example.com/ok', events: Array.from({ length: 2_000 }, () => 'package.published') },
      { url: 'https://example.com/ok', events: [] },
      { url: `https://example.com/${'x'.repeat(3000)}` },
      [],
      null,
    ];
    for (const json of malformed) {
      const res = await callJson(`/packages/${hookPackage}/webhooks`, { token: owner.token, json });
      expectContractError(res, [400]);
    }
    const stored = await db.execute<{ url: string }>(
      sql`select w.url from webhooks w join packages p on p.id = w.package_id where p.name = ${hookPackage}`,
    );
    for (const { url } of stored.rows) expect(hasControlCharacter(url), url).toBe(false);
    const listed = await callJson(`/packages/${hookPackage}/webhooks`, { token: owner.token });
    expect(listed.body.webhooks.map((w: { url: string }) => w.url).sort()).toEqual(
      stored.rows.map((r) => r.url).sort(),
    );
    expect(listed.body.webhooks.some((w: { url: string }) => w.url.endsWith('/ok'))).toBe(false);

    for (const id of ["x' or '1'='1", '%00', '00000000-0000-0000-0000-00000000000\u0000', 'x'.repeat(65)]) {
      const enc = encodeURIComponent(id);
      expectContractError(
        await callJson(`/packages/${hookPackage}/webhooks/${enc}`, { method: 'DELETE', token: owner.token }),
        [400, 404],
      );
      expectContractError(
        await callJson(`/packages/${hookPackage}/webhooks/${enc}/deliveries?limit=1`, { token: owner.token }),
        [400, 404],
      );
    }
    expect((await callJson(`/packages/${hookPackage}/webhooks`, { token: owner.token })).body.webhooks).toHaveLength(
      stored.rows.length,
    );
  });
});
