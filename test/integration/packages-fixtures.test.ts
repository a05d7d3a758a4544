// The real `raven pkg` output: all five fixture tarballs and raven-ui-src/
// packed like the CLI packs it publish, read back with every contract field
// checked, download byte-identical, and resolve through the API alone.
// The fixture names are fixed by their raven.toml, so only this file publishes them.
import { unpackTar } from 'modern-tar';
import semver from 'semver';
import { beforeAll, describe, expect, it } from 'vitest';
import { cargoToNodeRange } from '../../src/lib/versions';
import { api, read } from '../helpers/api';
import { API, call } from '../helpers/client';
import { anIso, aUuid } from '../helpers/contract';
import { createUser, type TestUser } from '../helpers/factories';
import {
  FIXTURE_TARBALLS,
  fixtureBytes,
  fixtureText,
  gunzip,
  type Metadata,
  metadataFromToml,
  packRavenUi,
  publishRaw,
  sha256,
} from '../helpers/packages';

interface Published {
  bytes: Uint8Array;
  metadata: Metadata;
  readme: string;
  categories: string[];
  reply: any;
}

async function contentsOf(bytes: Uint8Array) {
  const entries = await unpackTar(await gunzip(bytes));
  const text = (name: string) => {
    const data = entries.find((e) => e.header.name === name)?.data;
    return data ? new TextDecoder().decode(data) : undefined;
  };
  return { toml: text('raven.toml') ?? '', readme: text('README.md') ?? '' };
}

const packageInfo = (name: string) => read(api().packages[':name'].$get({ param: { name } }));
const versionInfo = (name: string, version: string) =>
  read(api().packages[':name'][':version'].$get({ param: { name, version } }));

describe('publishing the real fixture packages', () => {
  let owner: TestUser;
  const published = new Map<string, Published>();

  beforeAll(async () => {
    owner = await createUser('fixtures');
    const tarballs: Uint8Array[] = [...FIXTURE_TARBALLS.map((f) => fixtureBytes(f)), await packRavenUi()];
    for (const bytes of tarballs) {
      const { toml, readme } = await contentsOf(bytes);
      const metadata = metadataFromToml(toml);
      const res = await publishRaw(owner.token, metadata, bytes);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const categories = (/categories = (\[.*\])/.exec(toml)?.[1] ?? '[]').replaceAll("'", '"');
      published.set(metadata.name, { bytes, metadata, readme, categories: JSON.parse(categories), reply: res.body });
    }
  });

  it('publishes all six with the contract reply', async () => {
    expect([...published.keys()].sort()).toEqual([
      'raven-forms',
      'raven-http',
      'raven-i18n',
      'raven-router',
      'raven-store',
      'raven-ui',
    ]);
    for (const [name, p] of published) {
      expect(p.reply).toEqual({
        package_id: aUuid(),
        name,
        version: p.metadata.version,
        published_at: anIso(),
        download_url: `${API}/packages/${name}/${p.metadata.version}/download`,
        checksum: await sha256(p.bytes),
        published_by: owner.username,
      });
    }
  });

  it('packs raven-ui-src with src/, raven.toml and README.md at the root', async () => {
    const entries = await unpackTar(await gunzip(published.get('raven-ui')!.bytes));
    const names = entries.map((e) => e.header.name);
    expect(names).toEqual(
      expect.arrayContaining(['src/', 'src/lib.jnc', 'src/components/Button.jnc', 'raven.toml', 'README.md']),
    );
    expect(fixtureText('raven-ui-src/raven.toml')).toContain('name = "raven-ui"');
  });

  it('reads every package back with each contract field typed and valued', async () => {
    for (const [name, p] of published) {
      const { status, body } = await packageInfo(name);
      expect(status).toBe(200);
      expect(body).toEqual({
        name,
        description: p.metadata.description ?? '',
        latest_version: p.metadata.version,
        versions: [p.metadata.version],
        yanked_versions: [],
        owner: { username: owner.username, user_id: owner.userId },
        license: 'MIT',
        repository: p.metadata.repository ?? '',
        homepage: '',
        keywords: p.metadata.keywords,
        categories: p.categories,
        readme: p.readme,
        downloads_total: expect.any(Number),
        downloads_last_month: expect.any(Number),
        created_at: anIso(),
        updated_at: anIso(),
      });
      expect(body.description.length).toBeGreaterThan(0);
      expect(Number.isInteger(body.downloads_total) && body.downloads_total >= 0).toBe(true);
    }
    // raven-http's manifest carries categories; the others have a README.
    expect(published.get('raven-http')!.categories).toEqual(['web-programming', 'network-programming']);
    expect(published.get('raven-store')!.readme.length).toBeGreaterThan(1000);
  });

  it('reads every version back with each contract field typed and valued', async () => {
    for (const [name, p] of published) {
      const { status, body } = await versionInfo(name, p.metadata.version);
      expect(status).toBe(200);
      expect(body).toEqual({
        name,
        version: p.metadata.version,
        description: p.metadata.description ?? '',
        authors: p.metadata.authors,
        license: 'MIT',
        repository: p.metadata.repository ?? '',
        homepage: '',
        keywords: p.metadata.keywords,
        categories: p.categories,
        dependencies: p.metadata.dependencies,
        dev_dependencies: p.metadata.dev_dependencies,
        published_at: p.reply.published_at,
        download_url: p.reply.download_url,
        checksum: p.reply.checksum,
        size_bytes: p.bytes.byteLength,
        downloads: expect.any(Number),
        yanked: false,
        yanked_at: '',
        published_by: owner.username,
        provenance: null,
      });
    }
    const forms = await versionInfo('raven-forms', '1.0.0');
    expect(forms.body.dependencies).toEqual({ 'raven-store': '1.0.0' });
    expect(forms.body.dev_dependencies).toEqual({ 'raven-test': '1.0.0' });
  });

  it('downloads every tarball byte-identical with the contract headers', async () => {
    for (const [name, p] of published) {
      const res = await call(`/packages/${name}/${p.metadata.version}/download`);
      expect(res.status).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(p.bytes);
      expect(res.headers.get('content-type')).toBe('application/gzip');
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="${name}-${p.metadata.version}.tar.gz"`,
      );
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('etag')).toBe(`"${p.reply.checksum}"`);
    }
  });

  it('resolves raven-forms ^1.0.0 and its dependency raven-store through the API alone', async () => {
    const forms = await packageInfo('raven-forms');
    const chosen = semver.maxSatisfying(forms.body.versions, '^1.0.0');
    expect(chosen).toBe('1.0.0');
    const version = await versionInfo('raven-forms', chosen ?? '');
    const resolved: Record<string, string | null> = {};
    for (const [dep, req] of Object.entries(version.body.dependencies as Record<string, string>)) {
      const pkg = await packageInfo(dep);
      expect(pkg.status).toBe(200);
      resolved[dep] = semver.maxSatisfying(pkg.body.versions, cargoToNodeRange(req));
    }
    expect(resolved).toEqual({ 'raven-store': '1.0.0' });
    const store = await versionInfo('raven-store', '1.0.0');
    const tarball = await call(store.body.download_url);
    expect(await sha256(new Uint8Array(await tarball.arrayBuffer()))).toBe(store.body.checksum);
  });

  it('looks names up case-insensitively', async () => {
    const { status, body } = await packageInfo('RAVEN-Store');
    expect(status).toBe(200);
    expect(body.name).toBe('raven-store');
    expect((await versionInfo('Raven-Store', '1.0.0')).status).toBe(200);
  });

  it('refuses a lookalike of a fixture name with a 409 naming it', async () => {
    const { makeTarball, metadataFor } = await import('../helpers/packages');
    const other = await createUser('squat');
    const res = await publishRaw(
      other.token,
      metadataFor('ravenstore', '1.0.0'),
      await makeTarball('ravenstore', '1.0.0'),
    );
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('conflict');
    expect(res.body.message).toContain('raven-store');
    expect(res.body.details).toEqual({ existing: 'raven-store' });
    expect((await packageInfo('ravenstore')).status).toBe(404);
  });
});
