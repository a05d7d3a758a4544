// The cron sweeper's storage upkeep, driven through the Worker's scheduled
// handler: blobs of publishes whose transaction failed after the upload are
// deleted once their upload intent is an hour old (never a blob a version
// references, never one a publish is renewing), and applied download flush ids
// are forgotten after their retention.
//
// The database is shared with the other test files, whose sweeps may take an
// aged intent of ours first (and delete the key from their own R2, not ours);
// ageAndSweep re-arms the intent then, so the assertion stays about this sweep.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createDatabase } from '../../src/db/client';
import worker from '../../src/index';
import { FLUSH_RETENTION_HOURS } from '../../src/services/downloads';
import { ORPHAN_AFTER_MINUTES } from '../../src/services/uploads';
import { API, call, uniqueIp } from '../helpers/client';
import { httpDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { makeTarball, metadataFor, multipartBody, packageName, publishPackage, sha256 } from '../helpers/packages';

const db = httpDb();

const sweep = () =>
  worker.scheduled!(
    createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }),
    env,
    createExecutionContext(),
  );

const blobKey = async (tarball: Uint8Array) => `tarballs/sha256/${(await sha256(tarball)).slice(7)}.tar.gz`;

async function intentOf(key: string): Promise<boolean> {
  const r = await db.execute(sql`select 1 from upload_intents where r2_key = ${key}`);
  return r.rows.length > 0;
}

const age = (key: string, minutes: number) =>
  db.execute(sql`
    insert into upload_intents (r2_key, created_at) values (${key}, now() - ${minutes}::int * interval '1 minute')
    on conflict (r2_key) do update set created_at = excluded.created_at`);

/** Ages the key's intent past the threshold and sweeps until this run (not another file's) took it. */
async function ageAndSweep(key: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await age(key, ORPHAN_AFTER_MINUTES + 1);
    await sweep();
    if ((await env.TARBALLS.head(key)) === null) return;
  }
}

/** A publish whose transaction cannot connect (reads over HTTP still work): its status. */
async function publishFailingAfterUpload(user: TestUser, name: string, version: string, tarball: Uint8Array) {
  const broken: Env = {
    ...env,
    DB_HTTP_READS: 'true',
    NEON_HTTP_ENDPOINT: env.NEON_HTTP_ENDPOINT,
    WS_PROXY: '127.0.0.1:1/v2',
  };
  const { body, contentType } = multipartBody(metadataFor(name, version), tarball);
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request(`${API}/packages/publish`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${user.token}`, 'content-type': contentType, 'cf-connecting-ip': uniqueIp() },
    }),
    broken,
    ctx,
  );
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return res.status;
}

/**
 * A package whose publish uploaded its tarball and then failed: the upload
 * happened, the rows did not. The driver's proxy setting is global to the
 * isolate, and work another test file left running can point it back at the
 * live proxy mid-request; a try that published after all is repeated under a
 * new name.
 */
async function orphanedUpload(user: TestUser, base: string) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const name = packageName(base);
    const tarball = await makeTarball(name, '1.0.0');
    if ((await publishFailingAfterUpload(user, name, '1.0.0', tarball)) >= 500) {
      return { name, tarball, key: await blobKey(tarball) };
    }
  }
  throw new Error('the publish meant to fail after its upload kept succeeding');
}

// One at a time: the failing publish points the driver's global proxy setting at a dead port until the next healthy request.
describe('orphaned tarballs', () => {
  it('are deleted an hour after a publish whose transaction failed, and the retry still lands', async () => {
    const user = await createUser('orphan');
    const { name, tarball, key } = await orphanedUpload(user, 'orphan');
    expect(await env.TARBALLS.head(key)).not.toBeNull();
    expect(await intentOf(key)).toBe(true);

    // Younger than the threshold: left alone (the publish might still be running).
    await age(key, ORPHAN_AFTER_MINUTES - 5);
    await sweep();
    expect(await env.TARBALLS.head(key)).not.toBeNull();
    expect(await intentOf(key)).toBe(true);

    await ageAndSweep(key);
    expect(await env.TARBALLS.head(key)).toBeNull();
    expect(await intentOf(key)).toBe(false);

    // The same bytes published again are uploaded again and served.
    const { body, contentType } = multipartBody(metadataFor(name, '1.0.0'), tarball);
    const retry = await call('/packages/publish', {
      method: 'POST',
      token: user.token,
      body,
      headers: { 'content-type': contentType },
    });
    expect(retry.status).toBe(201);
    expect(await intentOf(key)).toBe(false);
    const download = await call(`/packages/${name}/1.0.0/download`);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(tarball);
  });

  it('keep a blob that a version references, and forget the intent', async () => {
    const user = await createUser('shared');
    const name = packageName('shared');
    const { tarball } = await publishPackage(user.token, name, '1.0.0');
    const key = await blobKey(tarball);
    // The publish recorded its version and cleared its intent.
    expect(await intentOf(key)).toBe(false);
    // A later failed publish of the same bytes left an intent for the shared key.
    await age(key, ORPHAN_AFTER_MINUTES + 1);
    await sweep();
    expect(await intentOf(key)).toBe(false);
    expect(await env.TARBALLS.head(key)).not.toBeNull();
    const download = await call(`/packages/${name}/1.0.0/download`);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(tarball);
  });

  it('keep a blob whose intent a publish of the same bytes is renewing while the sweeper runs', async () => {
    const user = await createUser('renew');
    const { key } = await orphanedUpload(user, 'renew');
    await age(key, ORPHAN_AFTER_MINUTES + 1);
    const database = createDatabase(env.DATABASE_URL, env.WS_PROXY);
    try {
      // The publish's renewal holds the row while the sweep runs: the sweep passes it by.
      await database.transaction(async (tx) => {
        await tx.execute(sql`
          insert into upload_intents (r2_key) values (${key})
          on conflict (r2_key) do update set created_at = now()`);
        await sweep();
        expect(await env.TARBALLS.head(key)).not.toBeNull();
      });
    } finally {
      await database.close();
    }
    // Renewed: young again, so the next sweep leaves it too.
    await sweep();
    expect(await env.TARBALLS.head(key)).not.toBeNull();
    expect(await intentOf(key)).toBe(true);
  });
});

describe('download flush ids', () => {
  it('are forgotten after their retention, and recent ones kept', async () => {
    const old = `test-flush-old-${crypto.randomUUID()}`;
    const recent = `test-flush-recent-${crypto.randomUUID()}`;
    await db.execute(sql`
      insert into download_flushes (id, created_at) values
        (${old}, now() - ${FLUSH_RETENTION_HOURS + 1}::int * interval '1 hour'),
        (${recent}, now() - ${FLUSH_RETENTION_HOURS - 1}::int * interval '1 hour')`);
    await sweep();
    const left = await db.execute<{ id: string }>(sql`select id from download_flushes where id in (${old}, ${recent})`);
    expect(left.rows.map((r) => r.id)).toEqual([recent]);
  });
});
