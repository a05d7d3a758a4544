// A download that is still streaming when its version is taken down or deleted:
// the copy it was writing into this data centre's cache must not outlive the
// takedown's purge (cache hits are served without asking the database).
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client';
import { serveTarball } from '../../src/services/tarball-download';
import { adminCall, createOperator } from '../helpers/admin';
import { createUser, type TestUser } from '../helpers/factories';
import { packageName, publishPackage } from '../helpers/packages';

let operator: TestUser;
let operators: string[];
let owner: TestUser;

beforeAll(async () => {
  ({ operator, operators } = await createOperator());
  owner = await createUser('tcr');
});

const ORIGIN = 'http://registry.test';
const downloadUrl = (name: string, version: string) => `${ORIGIN}/api/v1/packages/${name}/${version}/download`;

/** Starts a download whose R2 bytes arrive only when `finish` is called; `settled` waits for its cache write. */
async function slowDownload(name: string, version: string) {
  const bytes = new Uint8Array(64).fill(7);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const bucket = { get: async () => ({ size: bytes.length, body: readable }) };
  const waits: Promise<unknown>[] = [];
  const database = createDatabase(env.DATABASE_URL, env.WS_PROXY);
  const res = await serveTarball(
    { env: { ...env, TARBALLS: bucket } as unknown as Env, ctx: { waitUntil: (p) => waits.push(p) }, db: database },
    { name, version, origin: ORIGIN, method: 'GET', ifNoneMatch: undefined },
  );
  // The request is over once its reply is sent; its database handle closes then, as the middleware does.
  await database.close();
  return {
    res,
    async finish() {
      const writer = writable.getWriter();
      const writing = writer.write(bytes).then(() => writer.close());
      await res.arrayBuffer();
      await writing;
      await Promise.all(waits);
    },
  };
}

describe('a download in flight during a takedown', () => {
  it('leaves no cached copy behind, so the next download answers 451', async () => {
    const name = packageName('tcrtd');
    await publishPackage(owner.token, name, '1.0.0');
    const inFlight = await slowDownload(name, '1.0.0');
    expect(inFlight.res.status).toBe(200);

    const done = await adminCall(`/admin/packages/${name}/takedown`, {
      method: 'POST',
      token: operator.token,
      json: { reason: 'malware' },
      operators,
    });
    expect(done.status).toBe(200);
    await inFlight.finish();

    expect(await caches.default.match(downloadUrl(name, '1.0.0'))).toBeUndefined();
    expect((await adminCall(`/packages/${name}/1.0.0/download`)).status).toBe(451);
  });

  it('still caches the copy when nothing happened to the version', async () => {
    const name = packageName('tcrok');
    await publishPackage(owner.token, name, '1.0.0');
    const inFlight = await slowDownload(name, '1.0.0');
    await inFlight.finish();
    expect(await caches.default.match(downloadUrl(name, '1.0.0'))).toBeDefined();
  });
});
