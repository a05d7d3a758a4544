// Seeds a realistic registry straight into Postgres: 10,000 packages with
// 50,000 versions and a month of download history, in a few set-based
// statements. Tarball-backed packages (the fixtures) are published through the
// API instead, since downloads need real R2 objects.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import pg from 'pg';

export const SEED = { packages: 10_000, versionsPerPackage: 5, historyDays: 30 } as const;

/** A README of typical size (~4 KiB of HTML), so the package page renders what a real one does. */
const README_SECTION = (n: number) =>
  `<h2 id="user-content-usage-${n}">Usage ${n}</h2><p>Import the module and call it from a component; ` +
  'options are validated when the app starts, and every error names the field it came from.</p>' +
  '<pre><code class="language-raven">import { create } from "pkg"\nlet form = create({ name: "signup" })\n</code></pre>' +
  '<table><thead><tr><th>Option</th><th>Default</th></tr></thead><tbody><tr><td><code>strict</code></td><td>true</td></tr></tbody></table>';
const README_HTML = Array.from({ length: 6 }, (_, i) => README_SECTION(i + 1)).join('\n');

export async function seedDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from packages where name like 'bench-%'`);
    if (Number(rows[0]?.n) >= SEED.packages) return;
    await client.query('begin');
    const owner = await client.query<{ id: string }>(
      `insert into users (username, email, password_hash) values ('bench-owner', 'bench-owner@bench.test', 'x')
       on conflict do nothing returning id`,
    );
    const ownerId =
      owner.rows[0]?.id ?? (await client.query(`select id from users where username = 'bench-owner'`)).rows[0].id;
    await client.query(
      `insert into packages (name, canonical_name, description, keywords, categories, latest_version, downloads, license,
                             readme, readme_html)
       select 'bench-' || w.word || '-' || i, 'bench' || w.word || i,
              'A generated ' || w.word || ' package for RavensOne, number ' || i,
              array[w.word, (array['forms','routing','http','state','testing','i18n','ui','database'])[1 + (i * 7) % 8]],
              array[(array['ui','http','database','testing','utilities','frameworks','tools'])[1 + i % 7]],
              '1.0.' || ($2::int - 1), 0, 'MIT', '# README', $3
       from generate_series(1, $1::int) i,
            lateral (select (array['forms','router','fetch','store','test','intl','widget','orm'])[1 + i % 8] as word) w`,
      [SEED.packages, SEED.versionsPerPackage, README_HTML],
    );
    await client.query(
      `insert into versions (package_id, version, description, license, checksum, size_bytes, r2_key, is_prerelease,
                             dependencies, published_at)
       select p.id, '1.0.' || v, p.description, 'MIT',
              'sha256:' || encode(sha256(convert_to(p.name || v, 'UTF8')), 'hex'), 4096,
              'tarballs/sha256/' || encode(sha256(convert_to(p.name || v, 'UTF8')), 'hex') || '.tar.gz', false,
              case when v > 2 then jsonb_build_object('raven-store', '^1.0') else '{}'::jsonb end,
              now() - make_interval(days => ($2::int - v) * 7)
       from packages p, generate_series(0, $1::int - 1) v
       where p.name like 'bench-%'`,
      [SEED.versionsPerPackage, SEED.versionsPerPackage],
    );
    await client.query(
      `insert into package_owners (package_id, user_id, role) select id, $1, 'owner' from packages where name like 'bench-%'`,
      [ownerId],
    );
    // Skewed history: a few popular packages, a long tail; one in five versions downloaded.
    await client.query(
      `insert into version_downloads (version_id, day, count)
       select v.id, (current_date - d)::date, 1 + floor(random() * 50 * (1 + (hashtext(v.id::text) & 7)))::int
       from versions v join packages p on p.id = v.package_id, generate_series(0, $1::int - 1) d
       where p.name like 'bench-%' and hashtext(v.id::text) % 5 = 0`,
      [SEED.historyDays],
    );
    await client.query(
      `update versions v set downloads = s.total
       from (select version_id, sum(count) as total from version_downloads group by version_id) s where s.version_id = v.id`,
    );
    await client.query(
      `update packages p set downloads = s.total
       from (select package_id, sum(downloads) as total from versions group by package_id) s where s.package_id = p.id`,
    );
    await client.query('commit');
    await client.query('analyze');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    await client.end();
  }
}

/** A package tarball of about `bytes` bytes (incompressible filler), as the CLI would pack it. */
export async function syntheticTarball(
  name: string,
  version: string,
  bytes: number,
  dependencies: Record<string, string> = {},
): Promise<Uint8Array> {
  const deps = Object.entries(dependencies).map(([dep, req]) => `${dep} = "${req}"\n`);
  const toml = `[package]\nname = "${name}"\nversion = "${version}"\nauthors = ["bench"]\nlicense = "MIT"\ndescription = "Benchmark package"\n\n[dependencies]\n${deps.join('')}`;
  const tar = await packTar([
    { header: { name: 'raven.toml', size: Buffer.byteLength(toml), type: 'file' }, body: toml },
    { header: { name: 'src/lib.raven', size: 15, type: 'file' }, body: 'export fn x() {' },
    { header: { name: 'src/blob.bin', size: bytes, type: 'file' }, body: new Uint8Array(randomBytes(bytes)) },
  ]);
  return new Uint8Array(gzipSync(tar));
}
