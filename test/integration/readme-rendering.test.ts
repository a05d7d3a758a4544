// READMEs through the real publish route and the cron sweeper: what lands in
// the database is sanitised HTML, on the version and on the package.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { backfillReadmes } from '../../src/services/readme-backfill';
import { withDb } from '../helpers/db';
import { createUser } from '../helpers/factories';
import { violations } from '../helpers/html-safety';
import { makeTarball, metadataFor, packageName, publishRaw } from '../helpers/packages';

const HOSTILE_README = [
  '# Widgets',
  '<script>alert(1)</script><img src=x onerror=alert(1)><svg onload=alert(1)>',
  '[click](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) ![i](data:image/png;base64,AA)',
  '<a href="&#106;avascript:alert(1)">x</a><iframe src="https://evil.example"></iframe>',
  '<div style="background:url(javascript:alert(1))" onclick="alert(1)">styled</div>',
  '[docs](docs/guide.md) [top](#widgets)',
].join('\n\n');

type Stored = { version_html: string | null; package_html: string | null };

const storedHtml = (name: string, version: string) =>
  withDb(async (db) => {
    const result = await db.execute<Stored>(sql`
      select v.readme_html as version_html, p.readme_html as package_html
      from versions v join packages p on p.id = v.package_id
      where p.name = ${name} and v.version = ${version}`);
    return result.rows[0];
  });

async function publishWithReadme(token: string, name: string, version: string, readme: string) {
  const tarball = await makeTarball(name, version, { readme });
  const meta = metadataFor(name, version, { repository: 'https://github.com/acme/widgets' });
  const res = await publishRaw(token, meta, tarball);
  expect(res.status).toBe(201);
}

describe('README HTML at publish', () => {
  it('stores sanitised HTML on the version and the package', async () => {
    const user = await createUser('readme');
    const name = packageName('readme');
    await publishWithReadme(user.token, name, '1.0.0', HOSTILE_README);

    const stored = await storedHtml(name, '1.0.0');
    const html = stored?.version_html ?? '';
    expect(html).toContain('<h1 id="user-content-widgets">Widgets</h1>');
    expect(html).toContain('href="https://github.com/acme/widgets/blob/HEAD/docs/guide.md"');
    expect(html).toContain('href="#user-content-widgets"');
    expect(html).toContain('<div>styled</div>');
    expect(violations(html)).toEqual([]);
    expect(stored?.package_html).toBe(html);
  });

  it('follows the latest version onto the package', async () => {
    const user = await createUser('readme');
    const name = packageName('readme');
    await publishWithReadme(user.token, name, '1.0.0', 'first');
    await publishWithReadme(user.token, name, '2.0.0', 'second');
    expect((await storedHtml(name, '2.0.0'))?.package_html).toBe('<p>second</p>');
  });
});

describe('README backfill in the cron sweeper', () => {
  const sweep = async () => {
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ cron: '* * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
  };

  it('renders versions published before rendering existed, in bounded batches, once', async () => {
    const user = await createUser('readme');
    const name = packageName('readme');
    await publishWithReadme(user.token, name, '1.0.0', '*old*');
    await publishWithReadme(user.token, name, '1.1.0', '<b onclick="x">new</b>');
    // As before this change: READMEs stored, no HTML anywhere.
    await withDb((db) =>
      db.execute(sql`
        with p as (update packages set readme_html = null where name = ${name} returning id)
        update versions set readme_html = null where package_id = (select id from p)`),
    );
    expect(await storedHtml(name, '1.1.0')).toEqual({ version_html: null, package_html: null });

    const log = vi.spyOn(console, 'log');
    // Other tests' rows may be pending too; a few runs drain any realistic backlog.
    for (let run = 0; run < 20 && (await storedHtml(name, '1.0.0'))?.version_html == null; run++) await sweep();
    for (let run = 0; run < 20 && (await storedHtml(name, '1.1.0'))?.version_html == null; run++) await sweep();

    expect((await storedHtml(name, '1.0.0'))?.version_html).toBe('<p><em>old</em></p>');
    // Pages show the README: the package's cached pages and replies are purged.
    const purges = log.mock.calls.map((args) => String(args[0])).filter((l) => l.includes('edge cache purge'));
    expect(purges.some((l) => (JSON.parse(l).tags as string[]).includes(`pkg:${name}`))).toBe(true);
    expect(await storedHtml(name, '1.1.0')).toEqual({
      version_html: '<p><b>new</b></p>',
      package_html: '<p><b>new</b></p>',
    });

    // Idempotent: rendered rows are never rewritten.
    await withDb((db) =>
      db.execute(sql`update versions set readme_html = 'kept' where version = '1.0.0'
        and package_id = (select id from packages where name = ${name})`),
    );
    await sweep();
    expect((await storedHtml(name, '1.0.0'))?.version_html).toBe('kept');
  });

  it('renders at most one batch per run', async () => {
    const user = await createUser('readme');
    const name = packageName('readme');
    for (const v of ['1.0.0', '1.0.1', '1.0.2']) await publishWithReadme(user.token, name, v, `v${v}`);
    await withDb((db) =>
      db.execute(sql`update versions set readme_html = null
        where package_id = (select id from packages where name = ${name})`),
    );
    expect(await withDb((db) => backfillReadmes(db, 2))).toHaveLength(2);
  });
});
