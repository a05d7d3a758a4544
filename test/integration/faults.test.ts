// Faults during a publish, injected through the Worker's env (the shared
// Postgres keeps running for every other test file):
//   - the database unreachable from the start (DATABASE_URL at a dead port);
//   - the database lost between the reads and the write transaction: reads go
//     over SQL-over-HTTP, which works, while the transaction's WebSocket goes
//     to a dead proxy; by then the tarball is already stored in R2;
//   - R2 refusing the upload: the real bucket binding with a `put` that rejects.
// Each must answer the contract's 500 body with the request id, leave no
// package or version row, and let a retry against the healthy stack succeed.
// The dead WS_PROXY lands in the driver's global neonConfig until the next
// healthy request sets it back; each test file runs in its own workerd process,
// and the tests here run one at a time, so no other request sees it.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { API, call, callJson, uniqueIp } from '../helpers/client';
import { httpDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import {
  makeTarball,
  metadataFor,
  multipartBody,
  packageName,
  publishPackage,
  publishRaw,
  sha256,
} from '../helpers/packages';

const db = httpDb();

const DEAD_DATABASE_URL = env.DATABASE_URL.replace(/@[^/]+\//, '@127.0.0.1:1/');

/** Reads work (SQL over HTTP, in both test projects); interactive transactions cannot connect. */
const transactionsDown = (): Env => ({
  ...env,
  DB_HTTP_READS: 'true',
  NEON_HTTP_ENDPOINT: env.NEON_HTTP_ENDPOINT,
  WS_PROXY: '127.0.0.1:1/v2',
});

const databaseDown = (): Env => ({ ...env, DATABASE_URL: DEAD_DATABASE_URL });

/** The real bucket, except that every upload fails as an R2 outage would. */
function uploadsDown(): Env {
  const real = env.TARBALLS;
  const bucket = {
    head: (key: string) => real.head(key),
    get: (key: string, options?: R2GetOptions) => real.get(key, options),
    list: (options?: R2ListOptions) => real.list(options),
    delete: (keys: string | string[]) => real.delete(keys),
    createMultipartUpload: (key: string, options?: R2MultipartOptions) => real.createMultipartUpload(key, options),
    resumeMultipartUpload: (key: string, id: string) => real.resumeMultipartUpload(key, id),
    put: async () => {
      throw new Error('injected fault: R2 put failed (We encountered an internal error. Please try again.)');
    },
  };
  return { ...env, TARBALLS: bucket as unknown as R2Bucket };
}

/** One request through the app with a faulty env, as the runtime would make it. */
async function fetchWith(faulty: Env, path: string, init: RequestInit & { headers: Record<string, string> }) {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request(`${API}${path}`, { ...init, headers: { 'cf-connecting-ip': uniqueIp(), ...init.headers } }),
    faulty,
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, text, body: JSON.parse(text), requestId: res.headers.get('x-request-id') };
}

function publishWith(faulty: Env, user: TestUser, metadata: unknown, tarball: Uint8Array, requestId: string) {
  const { body, contentType } = multipartBody(metadata, tarball);
  return fetchWith(faulty, '/packages/publish', {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${user.token}`, 'content-type': contentType, 'x-request-id': requestId },
  });
}

function expectServerErrorBody(res: { status: number; text: string; body: any; requestId: string | null }, id: string) {
  expect([500, 503], res.text).toContain(res.status);
  expect(res.body).toEqual({
    error: res.status === 503 ? 'service_unavailable' : 'internal_error',
    message: expect.any(String),
    details: { request_id: id },
  });
  expect(res.requestId).toBe(id);
  // Nothing internal: no SQL, driver messages, connection strings or stack frames.
  expect(res.text).not.toMatch(/select|insert|postgres|websocket|127\.0\.0\.1|injected|R2 put|at \w+ \(/i);
}

async function rows(name: string): Promise<{ packages: number; versions: string[] }> {
  const result = await db.execute<{ packages: number; versions: string[] }>(sql`
      select (select count(*)::int from packages where name = ${name}) as packages,
        coalesce((select array_agg(v.version order by v.version) from versions v
          join packages p on p.id = v.package_id where p.name = ${name}), '{}') as versions`);
  return { packages: Number(result.rows[0]?.packages ?? 0), versions: result.rows[0]?.versions ?? [] };
}

const blobKey = async (tarball: Uint8Array) => `tarballs/sha256/${(await sha256(tarball)).slice(7)}.tar.gz`;

/** The retry against the healthy stack lands, and serves exactly the bytes sent. */
async function expectRetryLands(user: TestUser, name: string, version: string, tarball: Uint8Array) {
  const retry = await publishRaw(user.token, metadataFor(name, version), tarball);
  expect(retry.status, JSON.stringify(retry.body)).toBe(201);
  expect(retry.body.checksum).toBe(await sha256(tarball));
  const download = await call(`/packages/${name}/${version}/download`);
  expect(download.status).toBe(200);
  expect(new Uint8Array(await download.arrayBuffer())).toEqual(tarball);
  expect((await callJson(`/packages/${name}/${version}`)).body.checksum).toBe(retry.body.checksum);
}

describe('the database unreachable', () => {
  it('from the start: a 500 with the request id, nothing stored, and the retry lands', async () => {
    const user = await createUser('dbdown');
    const name = packageName('dbdown');
    const tarball = await makeTarball(name, '1.0.0');
    const res = await publishWith(databaseDown(), user, metadataFor(name, '1.0.0'), tarball, 'fault-db-down-001');
    expectServerErrorBody(res, 'fault-db-down-001');
    expect(await rows(name)).toEqual({ packages: 0, versions: [] });
    expect(await env.TARBALLS.head(await blobKey(tarball))).toBeNull();
    await expectRetryLands(user, name, '1.0.0', tarball);
  });

  it('between the reads and the transaction (a new version): 500, no version row; the same bytes retried land', async () => {
    const user = await createUser('txdown');
    const name = packageName('txdown');
    await publishPackage(user.token, name, '1.0.0');
    const tarball = await makeTarball(name, '1.1.0');
    const res = await publishWith(transactionsDown(), user, metadataFor(name, '1.1.0'), tarball, 'fault-tx-down-001');
    expectServerErrorBody(res, 'fault-tx-down-001');
    expect(await rows(name)).toEqual({ packages: 1, versions: ['1.0.0'] });
    const page = (await callJson(`/packages/${name}`)).body;
    expect(page.versions).toEqual(['1.0.0']);
    expect(page.latest_version).toBe('1.0.0');
    expect((await callJson(`/packages/${name}/1.1.0`)).status).toBe(404);
    // The upload came before the transaction: the blob is there, referenced by
    // nothing, under its content address, which is exactly where the retry writes.
    expect(await env.TARBALLS.head(await blobKey(tarball))).not.toBeNull();
    await expectRetryLands(user, name, '1.1.0', tarball);
    expect((await callJson(`/packages/${name}`)).body.latest_version).toBe('1.1.0');
  });

  it('between the reads and the transaction (a new package): nothing left that blocks the name', async () => {
    const user = await createUser('txdown');
    const name = packageName('txdown');
    const tarball = await makeTarball(name, '1.0.0');
    const res = await publishWith(transactionsDown(), user, metadataFor(name, '1.0.0'), tarball, 'fault-tx-down-002');
    expectServerErrorBody(res, 'fault-tx-down-002');
    expect(await rows(name)).toEqual({ packages: 0, versions: [] });
    expect((await callJson(`/users/${user.username}`)).body.packages).toEqual([]);
    // A retry with different bytes (a rebuilt tarball) is just as welcome.
    await expectRetryLands(user, name, '1.0.0', await makeTarball(name, '1.0.0'));
  });
});

describe('reads with the database unreachable', () => {
  it('over the WebSocket pool: the contract 500 with the request id, and the next healthy read works', async () => {
    const user = await createUser('readdown');
    const name = packageName('readdown');
    await publishPackage(user.token, name, '1.0.0');
    const poolReads = { ...transactionsDown(), DB_HTTP_READS: 'false' };
    for (const [path, headers] of [
      [`/packages/${name}`, {}],
      [`/users/${user.username}`, {}],
      ['/users/me', { authorization: `Bearer ${user.token}` }],
    ] as const) {
      const id = `fault-read-${crypto.randomUUID()}`;
      const res = await fetchWith(poolReads, path, { headers: { ...headers, 'x-request-id': id } });
      expectServerErrorBody(res, id);
    }
    expect((await callJson(`/packages/${name}`)).status).toBe(200);
  });
});

describe('R2 refusing the upload', () => {
  it('a new package: 500 with the request id, no package, version or blob; the retry lands', async () => {
    const user = await createUser('r2down');
    const name = packageName('r2down');
    const tarball = await makeTarball(name, '1.0.0');
    const res = await publishWith(uploadsDown(), user, metadataFor(name, '1.0.0'), tarball, 'fault-r2-down-001');
    expectServerErrorBody(res, 'fault-r2-down-001');
    expect(await rows(name)).toEqual({ packages: 0, versions: [] });
    expect(await env.TARBALLS.head(await blobKey(tarball))).toBeNull();
    const audit = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from audit_log a join users u on u.id = a.actor_id where u.username = ${user.username}`,
    );
    expect(audit.rows[0]?.n).toBe(0);
    await expectRetryLands(user, name, '1.0.0', tarball);
  });

  it('a new version: 500, the package untouched', async () => {
    const user = await createUser('r2down');
    const name = packageName('r2down');
    await publishPackage(user.token, name, '1.0.0');
    const before = (await callJson(`/packages/${name}`)).body;
    const tarball = await makeTarball(name, '2.0.0');
    const res = await publishWith(uploadsDown(), user, metadataFor(name, '2.0.0'), tarball, 'fault-r2-down-002');
    expectServerErrorBody(res, 'fault-r2-down-002');
    expect(await rows(name)).toEqual({ packages: 1, versions: ['1.0.0'] });
    const after = (await callJson(`/packages/${name}`)).body;
    expect(after.latest_version).toBe('1.0.0');
    expect(after.updated_at).toBe(before.updated_at);
    await expectRetryLands(user, name, '2.0.0', tarball);
  });
});
