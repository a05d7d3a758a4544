// Read-only mode (REGISTRY_READ_ONLY="true"): every write, API or website form,
// sign-in included, answers 503 with Retry-After and says why; reads keep working.
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config';
import { verifyToken } from '../../src/lib/tokens';
import { issueToken } from '../../src/services/tokens';
import { adminCall, createOperator } from '../helpers/admin';
import { errorBody } from '../helpers/contract';
import { withDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { makeTarball, metadataFor, multipartBody, packageName, publishPackage } from '../helpers/packages';

const readOnly = { REGISTRY_READ_ONLY: 'true' };
let owner: TestUser;
let name: string;

beforeAll(async () => {
  owner = await createUser('ro');
  name = packageName('ro');
  await publishPackage(owner.token, name, '1.0.0');
});

function expectMaintenance(reply: { status: number; body: unknown; res: Response }) {
  expect(reply.status).toBe(503);
  expect(reply.res.headers.get('retry-after')).toBe('300');
  expect(reply.body).toEqual(errorBody('service_unavailable', { retry_after: 300 }));
  expect((reply.body as { message: string }).message).toMatch(/read-only mode for maintenance/);
}

describe('in read-only mode', () => {
  it('refuses publish, yank, token creation and operator actions with 503 and Retry-After', async () => {
    const { body, contentType } = multipartBody(metadataFor(name, '1.0.1'), await makeTarball(name, '1.0.1'));
    const sent = { token: owner.token, vars: readOnly };
    expectMaintenance(
      await adminCall('/packages/publish', { ...sent, method: 'POST', body, headers: { 'content-type': contentType } }),
    );
    expectMaintenance(await adminCall(`/packages/${name}/1.0.0`, { ...sent, method: 'DELETE' }));
    expectMaintenance(await adminCall('/users/me/tokens', { ...sent, method: 'POST', json: { name: 'ci' } }));
    const { operator, operators } = await createOperator();
    expectMaintenance(
      await adminCall(`/admin/packages/${name}/takedown`, {
        method: 'POST',
        token: operator.token,
        json: { reason: 'x' },
        operators,
        vars: readOnly,
      }),
    );
    // Nothing was written: the version is still there and not yanked.
    const info = await adminCall(`/packages/${name}`);
    expect(info.body.versions).toEqual(['1.0.0']);
  });

  it('refuses sign-in too, and says so', async () => {
    const reply = await adminCall('/auth/login', {
      method: 'POST',
      json: { email: owner.email, password: owner.password },
      vars: readOnly,
    });
    expectMaintenance(reply);
    expect(reply.body.message).toMatch(/signing in/);
    const page = await adminCall('site:/login', {
      method: 'POST',
      body: new URLSearchParams({ email: owner.email, password: owner.password }),
      headers: { origin: 'http://registry.test', 'content-type': 'application/x-www-form-urlencoded' },
      vars: readOnly,
    });
    expect(page.status).toBe(503);
    expect(page.res.headers.get('retry-after')).toBe('300');
    expect(page.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('read-only mode for maintenance');
  });

  it('keeps reads working: package info, downloads, search, the index and pages', async () => {
    const sent = { vars: readOnly };
    expect((await adminCall(`/packages/${name}`, sent)).status).toBe(200);
    expect((await adminCall(`/packages/${name}/1.0.0/download`, sent)).status).toBe(200);
    expect((await adminCall(`/search?q=${name}`, sent)).status).toBe(200);
    expect((await adminCall(`/index/${name}`, sent)).status).toBe(200);
    expect((await adminCall('/users/me', { ...sent, token: owner.token })).status).toBe(200);
    expect((await adminCall(`site:/packages/${name}`, sent)).status).toBe(200);
  });

  it('serves signed-in reads without writing: no last-used stamp on the token, no extension of a browser session', async () => {
    const claims = await verifyToken(owner.token, env.JWT_SECRET);
    const past = '2020-01-01T00:00:00.000Z';
    await withDb((db) => db.execute(sql`update api_tokens set last_used = ${past} where id = ${claims?.tokenId}`));
    expect((await adminCall('/users/me', { token: owner.token, vars: readOnly })).status).toBe(200);
    // A browser session two days from its end is due for its sliding extension.
    const web = await withDb((db) =>
      issueToken(db, env.JWT_SECRET, { userId: owner.userId, name: 'browser', kind: 'web', ttlDays: 2 }),
    );
    const page = await adminCall('site:/account', {
      headers: { cookie: `raven_session=${web.token}` },
      vars: readOnly,
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain(owner.username);
    expect(page.res.headers.get('set-cookie')).toBeNull();

    const rows = await withDb((db) =>
      db.execute<{ id: string; last_used: string | null; expires_at: string }>(sql`
        select id, last_used, expires_at from api_tokens where id in (${claims?.tokenId}, ${web.tokenId})`),
    );
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    expect(new Date(byId.get(claims?.tokenId ?? '')?.last_used ?? '').toISOString()).toBe(past);
    expect(byId.get(web.tokenId)?.last_used).toBeNull();
    expect(new Date(byId.get(web.tokenId)?.expires_at ?? '').getTime()).toBe(web.expiresAt.getTime());
  });

  it('is off unless the variable is exactly "true" or "false"', () => {
    const base = { DATABASE_URL: 'postgres://u:p@h/db', JWT_SECRET: 'j'.repeat(64) };
    expect(checkConfig(base)).toMatchObject({ config: { REGISTRY_READ_ONLY: false } });
    expect(checkConfig({ ...base, REGISTRY_READ_ONLY: 'yes' }).error).toMatch(/^REGISTRY_READ_ONLY is invalid/);
  });
});
