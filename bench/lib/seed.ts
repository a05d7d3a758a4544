// Seeds a realistic registry straight into Postgres: BENCH_PACKAGES packages
// (default 10,000) with 5 versions each and BENCH_HISTORY_DAYS (default 90)
// days of skewed download history, in a few set-based statements. At 200,000
// packages (a million versions, millions of daily rows) it loads like a
// restore: foreign-key checks off, secondary indexes built once at the end,
// trending's per-package daily rollup summed from the history, then
// raven_rebuild_counters() sets the counters the services would have kept.
// Tarball-backed packages (the fixtures) are published through the API
// instead, since downloads need real R2 objects. Needs the owner's URL.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import pg from 'pg';

export interface SeedSize {
  packages: number;
  versionsPerPackage: number;
  historyDays: number;
}

/** A README of typical size (~4 KiB of HTML), so the package page renders what a real one does. */
const README_SECTION = (n: number) =>
  `<h2 id="user-content-usage-${n}">Usage ${n}</h2><p>Import the module and call it from a component; ` +
  'options are validated when the app starts, and every error names the field it came from.</p>' +
  '<pre><code class="language-raven">import { create } from "pkg"\nlet form = create({ name: "signup" })\n</code></pre>' +
  '<table><thead><tr><th>Option</th><th>Default</th></tr></thead><tbody><tr><td><code>strict</code></td><td>true</td></tr></tbody></table>';
const README_HTML = Array.from({ length: 6 }, (_, i) => README_SECTION(i + 1)).join('\n');

export const SEED: SeedSize = {
  packages: Number(process.env.BENCH_PACKAGES ?? 10_000),
  versionsPerPackage: 5,
  historyDays: Number(process.env.BENCH_HISTORY_DAYS ?? 90),
};

export async function seedDatabase(databaseUrl: string, size: SeedSize = SEED): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from packages where name like 'bench-%'`);
    if (Number(rows[0]?.n) >= size.packages) return;
    await client.query('begin');
    // Bulk load: no per-row foreign-key checks.
    await client.query('set local session_replication_role = replica');
    let mark = performance.now();
    const step = (label: string) => {
      const now = performance.now();
      if (size.packages >= 50_000) console.log(`  seed: ${label} ${Math.round(now - mark)} ms`);
      mark = now;
    };
    const owner = await client.query<{ id: string }>(
      `insert into users (username, email, password_hash) values ('bench-owner', 'bench-owner@bench.test', 'x')
       on conflict do nothing returning id`,
    );
    const ownerId =
      owner.rows[0]?.id ?? (await client.query(`select id from users where username = 'bench-owner'`)).rows[0].id;
    // Secondary indexes (GIN, trigram, unique names) are built once at the end.
    await withoutIndexes(client, 'packages', false, async () => {
      await client.query(
        `insert into packages (name, canonical_name, description, keywords, categories, latest_version, downloads, license,
                               readme, readme_html, versions_count, latest_dependencies)
         select 'bench-' || w.word || '-' || i, 'bench' || w.word || i,
                'A generated ' || w.word || ' package for RavensOne, number ' || i,
                array[w.word, (array['forms','routing','http','state','testing','i18n','ui','database'])[1 + (i * 7) % 8]],
                array[(array['ui','http','database','testing','utilities','frameworks','tools'])[1 + i % 7]],
                '1.0.' || ($2::int - 1), 0, 'MIT', '# README', $3,
                -- As raven_rebuild_counters() will find them (the newest version depends on raven-store), so it
                -- need not rewrite every row.
                $2::int, case when $2::int - 1 > 2 then '{raven-store}'::text[] else '{}' end
         from generate_series(1, $1::int) i,
              lateral (select (array['forms','router','fetch','store','test','intl','widget','orm'])[1 + i % 8] as word) w`,
        [size.packages, size.versionsPerPackage, README_HTML],
      );
      step('packages');
      await withoutIndexes(client, 'versions', false, () =>
        client.query(
          `insert into versions (package_id, version, description, license, checksum, size_bytes, r2_key, is_prerelease,
                               dependencies, published_at)
         select p.id, '1.0.' || v, p.description, 'MIT',
                'sha256:' || encode(sha256(convert_to(p.name || v, 'UTF8')), 'hex'), 4096,
                'tarballs/sha256/' || encode(sha256(convert_to(p.name || v, 'UTF8')), 'hex') || '.tar.gz', false,
                case when v > 2 then jsonb_build_object('raven-store', '^1.0') else '{}'::jsonb end,
                now() - make_interval(days => ($2::int - v) * 7)
         from packages p, generate_series(0, $1::int - 1) v
         where p.name like 'bench-%'`,
          [size.versionsPerPackage, size.versionsPerPackage],
        ),
      );
      step('versions');
      await client.query(
        `insert into package_owners (package_id, user_id, role) select id, $1, 'owner' from packages where name like 'bench-%'`,
        [ownerId],
      );
      step('owners');
      // Skewed history: one in five versions is downloaded at all; one in eight of
      // those (the popular ones) every day and with bigger counts, the long tail on
      // about one day in eight. Millions of rows at 200k packages: even the
      // primary key is built once afterwards.
      await withoutIndexes(client, 'version_downloads', true, () =>
        client.query(
          `insert into version_downloads (version_id, day, count)
           select v.id, (current_date - d)::date, 1 + floor(random() * 50 * (1 + (hashtext(v.id::text) & 7)))::int
           from versions v join packages p on p.id = v.package_id, generate_series(0, $1::int - 1) d
           where p.name like 'bench-%' and hashtext(v.id::text) % 5 = 0
             and ((hashtext(v.id::text) >> 3) & 7 = 0 or random() < 0.125)`,
          [size.historyDays],
        ),
      );
      step('download history');
      await client.query(
        `update versions v set downloads = s.total
         from (select version_id, sum(count) as total from version_downloads group by version_id) s where s.version_id = v.id`,
      );
      step('version totals');
      await client.query(
        `update packages p set downloads = s.total
         from (select package_id, sum(downloads) as total from versions group by package_id) s where s.package_id = p.id`,
      );
      step('package totals');
      await withoutIndexes(client, 'package_downloads', true, () =>
        client.query(
          `insert into package_downloads (package_id, day, count)
           select v.package_id, vd.day, sum(vd.count)
           from version_downloads vd join versions v on v.id = vd.version_id
           group by v.package_id, vd.day`,
        ),
      );
      step('daily rollup');
    });
    step('indexes');
    await client.query('set local session_replication_role = origin');
    await client.query('select raven_rebuild_counters()');
    step('counters');
    await client.query('commit');
    await client.query('vacuum analyze');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    await client.end();
  }
}

/**
 * Runs a bulk load into `table` with its secondary indexes (and with
 * `withKeys`, its primary and unique constraints) dropped, then rebuilds them
 * from their own definitions: far faster than per-row GIN and B-tree upkeep.
 */
async function withoutIndexes(
  client: pg.Client,
  table: string,
  withKeys: boolean,
  load: () => Promise<unknown>,
): Promise<void> {
  const constraints = withKeys
    ? await client.query<{ name: string; def: string }>(
        `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
         where conrelid = $1::regclass and contype in ('p', 'u')`,
        [table],
      )
    : { rows: [] };
  const indexes = await client.query<{ name: string; def: string }>(
    `select indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as def from pg_index i
     where indrelid = $1::regclass and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
    [table],
  );
  for (const c of constraints.rows) await client.query(`alter table ${table} drop constraint ${c.name}`);
  for (const i of indexes.rows) await client.query(`drop index ${i.name}`);
  await load();
  await client.query(`set local maintenance_work_mem = '256MB'`);
  for (const c of constraints.rows) await client.query(`alter table ${table} add constraint ${c.name} ${c.def}`);
  for (const i of indexes.rows) await client.query(i.def);
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
