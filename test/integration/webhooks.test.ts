// Managing webhooks: owners only, validated URLs and events, the secret shown
// once and stored sealed, deletes, deliveries listing access.

import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { addOwner } from '../helpers/owners';
import { packageName, publishPackage } from '../helpers/packages';
import { createWebhook, receiverEndpoint } from '../helpers/webhooks';

let owner: TestUser;
let maintainer: TestUser;
let stranger: TestUser;
let name: string;

beforeAll(async () => {
  [owner, maintainer, stranger] = await Promise.all([createUser('who'), createUser('whm'), createUser('whs')]);
  name = packageName('whk');
  await publishPackage(owner.token, name, '1.0.0');
  await addOwner(owner, name, maintainer, 'maintainer');
});

describe('creating a webhook', () => {
  it('201 with the secret once; listing never shows it again; stored sealed, not in clear', async () => {
    const endpoint = receiverEndpoint('create');
    const { status, body, res } = await callJson(`/packages/${name}/webhooks`, {
      token: owner.token,
      json: { url: endpoint.url, events: ['package.published', 'package.yanked'] },
    });
    expect(status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: endpoint.url,
      events: ['package.published', 'package.yanked'],
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      created_by: owner.username,
      paused: false,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });

    const list = await callJson(`/packages/${name}/webhooks`, { token: owner.token });
    expect(list.status).toBe(200);
    const listed = list.body.webhooks.find((w: { id: string }) => w.id === body.id);
    expect(listed).toEqual({
      id: body.id,
      url: endpoint.url,
      events: ['package.published', 'package.yanked'],
      created_at: body.created_at,
      created_by: owner.username,
      paused: false,
    });
    expect(JSON.stringify(list.body)).not.toContain(body.secret);

    const [row] = await withDb(async (db) => {
      const r = await db.execute<{ secret_ciphertext: string }>(
        sql`select secret_ciphertext from webhooks where id = ${body.id}`,
      );
      return r.rows;
    });
    expect(row?.secret_ciphertext).toMatch(/^v1\./);
    expect(row?.secret_ciphertext).not.toContain(body.secret.slice('whsec_'.length));
  });

  it('subscribes to every event when none are named, and de-duplicates named ones', async () => {
    const all = await createWebhook(owner.token, name);
    expect(all.events).toEqual([
      'package.published',
      'package.yanked',
      'package.deprecated',
      'version.deleted',
      'package.deleted',
    ]);
    const { status, body } = await callJson(`/packages/${name}/webhooks`, {
      token: owner.token,
      json: { url: receiverEndpoint('dup').url, events: ['package.yanked', 'package.yanked'] },
    });
    expect(status).toBe(201);
    expect(body.events).toEqual(['package.yanked']);
  });

  it('409 for a second webhook with the same URL', async () => {
    const endpoint = receiverEndpoint('same');
    const first = await callJson(`/packages/${name}/webhooks`, { token: owner.token, json: { url: endpoint.url } });
    expect(first.status).toBe(201);
    const again = await callJson(`/packages/${name}/webhooks`, { token: owner.token, json: { url: endpoint.url } });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('conflict');
  });

  it('409 past 10 webhooks on one package', async () => {
    const crowded = packageName('whk3');
    await publishPackage(owner.token, crowded, '1.0.0');
    for (let i = 0; i < 10; i++) await createWebhook(owner.token, crowded);
    const { status, body } = await callJson(`/packages/${crowded}/webhooks`, {
      token: owner.token,
      json: { url: receiverEndpoint('eleventh').url },
    });
    expect(status).toBe(409);
    expect(body.message).toMatch(/10 webhooks/);
  });

  it.each([
    ['an unknown event', { events: ['package.exploded'] }, 'events.0'],
    ['an empty event list', { events: [] }, 'events'],
    ['events that are not a list', { events: 'package.published' }, 'events'],
  ])('400 for %s', async (_what, extra, field) => {
    const { status, body } = await callJson(`/packages/${name}/webhooks`, {
      token: owner.token,
      json: { url: receiverEndpoint('bad').url, ...extra },
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
    expect(body.details.fields).toHaveProperty(field);
  });

  it.each([
    ['no URL', undefined],
    ['not a URL', 'definitely not a url'],
    ['plain http to a public host', 'http://example.com/hook'],
    ['a private address', 'https://10.0.0.8/hook'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['the metadata host name', 'https://metadata.google.internal/computeMetadata/v1/'],
    ['loopback written in decimal', 'http://2130706433:8080/hook'],
    ['loopback written in hex', 'http://0x7f.0.0.1:8080/hook'],
    ['a private host on a non-standard port', 'http://192.168.0.10:8080/hook'],
    ['a public host on a non-standard port', 'https://example.com:8443/hook'],
    ['credentials in the URL', 'https://user:pw@example.com/hook'],
    ['a link-local IPv6 address', 'https://[fe80::1]/hook'],
    ['a unique-local IPv6 address', 'https://[fd00:ec2::254]/hook'],
  ])('400 for %s', async (_what, url) => {
    const { status, body } = await callJson(`/packages/${name}/webhooks`, {
      token: owner.token,
      json: url === undefined ? {} : { url },
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
    expect(body.details.fields).toHaveProperty('url');
  });

  it('accepts a public https target in the same breath (the checks are not blanket refusals)', async () => {
    const { status } = await callJson(`/packages/${name}/webhooks`, {
      token: owner.token,
      json: { url: `https://hooks.example.com/raven/${crypto.randomUUID()}` },
    });
    expect(status).toBe(201);
  });
});

describe('who may manage webhooks', () => {
  it.each([
    ['a stranger', () => stranger],
    ['a maintainer', () => maintainer],
  ])('%s cannot list or create (403)', async (_who, user) => {
    const list = await callJson(`/packages/${name}/webhooks`, { token: user().token });
    expect(list.status).toBe(403);
    expect(list.body.error).toBe('permission_denied');
    const create = await callJson(`/packages/${name}/webhooks`, {
      token: user().token,
      json: { url: receiverEndpoint('nope').url },
    });
    expect(create.status).toBe(403);
    expect(create.body.error).toBe('permission_denied');
  });

  it('a stranger cannot delete or read deliveries either', async () => {
    const hook = await createWebhook(owner.token, name);
    const del = await callJson(`/packages/${name}/webhooks/${hook.id}`, { method: 'DELETE', token: stranger.token });
    expect(del.status).toBe(403);
    const deliveries = await callJson(`/packages/${name}/webhooks/${hook.id}/deliveries`, { token: stranger.token });
    expect(deliveries.status).toBe(403);
  });

  it('401 without a token', async () => {
    expect((await callJson(`/packages/${name}/webhooks`)).status).toBe(401);
    expect((await callJson(`/packages/${name}/webhooks`, { json: { url: receiverEndpoint().url } })).status).toBe(401);
  });

  it('an owner token scoped without `owners` is refused; one with it works', async () => {
    const scoped = await callJson('/users/me/tokens', {
      token: owner.token,
      json: { name: 'ci-publish', scopes: ['publish'] },
    });
    expect(scoped.status).toBe(201);
    const refused = await callJson(`/packages/${name}/webhooks`, { token: scoped.body.token });
    expect(refused.status).toBe(403);

    const ownersScoped = await callJson('/users/me/tokens', {
      token: owner.token,
      json: { name: 'ci-owners', scopes: ['owners'] },
    });
    expect((await callJson(`/packages/${name}/webhooks`, { token: ownersScoped.body.token })).status).toBe(200);
  });

  it('404 for a package that does not exist', async () => {
    const { status, body } = await callJson(`/packages/${packageName('none')}/webhooks`, { token: owner.token });
    expect(status).toBe(404);
    expect(body.error).toBe('not_found');
  });
});

describe('deleting a webhook', () => {
  it('removes it from the list; a second delete is 404; both ends are in the audit trail, the secret is not', async () => {
    const hook = await createWebhook(owner.token, name);
    const del = await callJson(`/packages/${name}/webhooks/${hook.id}`, { method: 'DELETE', token: owner.token });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ id: hook.id, deleted: true });
    const audit = await callJson(`/packages/${name}/audit?limit=200`, { token: owner.token });
    const mine = audit.body.entries.filter(
      (e: { details: { webhook_id?: string } }) => e.details.webhook_id === hook.id,
    );
    expect(mine.map((e: { action: string }) => e.action)).toEqual(['webhook.delete', 'webhook.create']);
    expect(mine[1].details).toEqual({ webhook_id: hook.id, url: hook.url, events: hook.events });
    expect(JSON.stringify(audit.body)).not.toContain(hook.secret);
    const list = await callJson(`/packages/${name}/webhooks`, { token: owner.token });
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).not.toContain(hook.id);
    const again = await callJson(`/packages/${name}/webhooks/${hook.id}`, { method: 'DELETE', token: owner.token });
    expect(again.status).toBe(404);
  });

  it("404 for another package's webhook id and for ids that are not UUIDs", async () => {
    const other = packageName('whk2');
    await publishPackage(owner.token, other, '1.0.0');
    const hook = await createWebhook(owner.token, other);
    expect(
      (await callJson(`/packages/${name}/webhooks/${hook.id}`, { method: 'DELETE', token: owner.token })).status,
    ).toBe(404);
    expect((await callJson(`/packages/${name}/webhooks/${hook.id}/deliveries`, { token: owner.token })).status).toBe(
      404,
    );
    expect(
      (await callJson(`/packages/${name}/webhooks/not-a-uuid`, { method: 'DELETE', token: owner.token })).status,
    ).toBe(404);
  });

  it('does not touch the package: DELETE …/webhooks/:id is not a yank', async () => {
    const hook = await createWebhook(owner.token, name);
    await callJson(`/packages/${name}/webhooks/${hook.id}`, { method: 'DELETE', token: owner.token });
    const pkg = await callJson(`/packages/${name}`);
    expect(pkg.body.versions).toEqual(['1.0.0']);
  });
});

describe('the OpenAPI document', () => {
  it('lists the webhook and deprecation routes', async () => {
    const { body } = await callJson('/openapi.json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/packages/{name}/webhooks',
        '/api/v1/packages/{name}/webhooks/{id}',
        '/api/v1/packages/{name}/webhooks/{id}/deliveries',
        '/api/v1/packages/{name}/deprecate',
      ]),
    );
  });
});
