// Deprecation: owners only, the package stays installable, its info reply
// carries {message, deprecated_at} (the key is absent when live), search ranks
// it below live packages, and only real changes become webhook events.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import { addOwner } from '../helpers/owners';
import { packageName, publishPackage } from '../helpers/packages';
import { createWebhook } from '../helpers/webhooks';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let maintainer: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  [maintainer, stranger] = await Promise.all([createUser('dpm'), createUser('dps')]);
});

/** A fresh owner per package: new package names are rate limited per user. */
async function ownedPackage() {
  const owner = await createUser('dpo');
  const name = packageName('dep');
  await publishPackage(owner.token, name, '1.0.0');
  return { owner, name };
}

const deprecate = (name: string, message: unknown, token: string) =>
  callJson(`/packages/${name}/deprecate`, { method: 'PUT', token, json: { message } });
const undeprecate = (name: string, token: string) =>
  callJson(`/packages/${name}/deprecate`, { method: 'DELETE', token });

describe('PUT and DELETE /packages/:name/deprecate', () => {
  it('deprecates with a message, shows it on the package, keeps it installable, and undoes it', async () => {
    const { owner, name } = await ownedPackage();
    const live = await callJson(`/packages/${name}`);
    expect(live.body).not.toHaveProperty('deprecated');

    const res = await deprecate(name, '  Use raven-forms instead.  ', owner.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name,
      deprecated: true,
      message: 'Use raven-forms instead.',
      deprecated_at: expect.stringMatching(ISO),
    });

    const info = await callJson(`/packages/${name}`);
    expect(info.body.deprecated).toEqual({
      message: 'Use raven-forms instead.',
      deprecated_at: res.body.deprecated_at,
    });
    // Still installable: listed versions unchanged, the tarball downloads.
    expect(info.body.versions).toEqual(['1.0.0']);
    expect(info.body.latest_version).toBe('1.0.0');
    const download = await call(`/packages/${name}/1.0.0/download`);
    expect(download.status).toBe(200);
    await download.arrayBuffer();

    const undone = await undeprecate(name, owner.token);
    expect(undone.status).toBe(200);
    expect(undone.body).toEqual({ name, deprecated: false });
    const after = await callJson(`/packages/${name}`);
    expect(after.body).not.toHaveProperty('deprecated');
    expect(after.body.versions).toEqual(['1.0.0']);
  });

  it('a new message keeps the original date; repeating it or undeprecating twice is harmless', async () => {
    const { owner, name } = await ownedPackage();
    const first = await deprecate(name, 'first', owner.token);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await deprecate(name, 'second', owner.token);
    expect(second.body).toMatchObject({ message: 'second', deprecated_at: first.body.deprecated_at });
    expect((await deprecate(name, 'second', owner.token)).body.deprecated_at).toBe(first.body.deprecated_at);
    expect((await callJson(`/packages/${name}`)).body.deprecated.message).toBe('second');
    expect((await undeprecate(name, owner.token)).status).toBe(200);
    expect((await undeprecate(name, owner.token)).status).toBe(200);
  });

  it('only real changes become webhook events', async () => {
    const { owner, name } = await ownedPackage();
    await createWebhook(owner.token, name, ['package.deprecated']);
    await deprecate(name, 'one', owner.token);
    await deprecate(name, 'one', owner.token);
    await deprecate(name, 'two', owner.token);
    await undeprecate(name, owner.token);
    await undeprecate(name, owner.token);
    const events = await withDb(async (db) => {
      const r = await db.execute<{ payload: string }>(sql`
        select e.payload from webhook_events e join packages p on p.id = e.package_id
        where p.name = ${name} order by e.created_at`);
      return r.rows.map((row) => JSON.parse(row.payload).data);
    });
    expect(events.map((d) => [d.deprecated, d.message])).toEqual([
      [true, 'one'],
      [true, 'two'],
      [false, ''],
    ]);
    // The audit trail agrees (newest first).
    const audit = await callJson(`/packages/${name}/audit`, { token: owner.token });
    const trail = audit.body.entries.filter((e: { action: string }) => e.action.includes('deprecate'));
    expect(trail.map((e: { action: string; details: { message?: string } }) => [e.action, e.details.message])).toEqual([
      ['undeprecate', 'two'],
      ['deprecate', 'two'],
      ['deprecate', 'one'],
    ]);
  });

  it.each([
    ['an empty message', ''],
    ['a blank message', '   '],
    ['a message over 1024 characters', 'x'.repeat(1025)],
    ['a message that is not a string', 42],
  ])('400 for %s', async (_what, message) => {
    const { owner, name } = await ownedPackage();
    const res = await deprecate(name, message, owner.token);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.details.fields).toHaveProperty('message');
    expect((await callJson(`/packages/${name}`)).body).not.toHaveProperty('deprecated');
  });

  it('accepts exactly 1024 characters', async () => {
    const { owner, name } = await ownedPackage();
    expect((await deprecate(name, 'y'.repeat(1024), owner.token)).status).toBe(200);
  });

  // Every caller's status (anonymous, scopes, patterns, strangers): test/integration/auth-matrix.test.ts.
  it('refusing maintainers and strangers leaves the deprecation as it was; unknown packages 404', async () => {
    const { owner, name } = await ownedPackage();
    await addOwner(owner, name, maintainer, 'maintainer');
    for (const user of [maintainer, stranger]) {
      const put = await deprecate(name, 'nope', user.token);
      expect(put.status).toBe(403);
      expect(put.body.error).toBe('permission_denied');
    }
    expect((await deprecate(name, 'ok', owner.token)).status).toBe(200);
    expect((await undeprecate(name, maintainer.token)).status).toBe(403);
    expect((await undeprecate(name, stranger.token)).status).toBe(403);
    expect((await callJson(`/packages/${name}`)).body.deprecated.message).toBe('ok');

    expect((await deprecate(packageName('missing'), 'x', owner.token)).status).toBe(404);
  });

  it('DELETE /packages/:name/deprecate is the undeprecate route, not a yank of a version', async () => {
    const { owner, name } = await ownedPackage();
    const res = await undeprecate(name, owner.token);
    expect(res.body).toEqual({ name, deprecated: false });
    expect((await callJson(`/packages/${name}`)).body.yanked_versions).toEqual([]);
  });
});

describe('search', () => {
  it('ranks a deprecated package below live ones, even when it matches better', async () => {
    const owner = await createUser('dpq');
    const word = `zq${crypto.randomUUID().replaceAll('-', '').replace(/[0-9]/g, '').slice(0, 8)}`;
    const exact = word;
    const other = `${word}-helper`;
    await publishPackage(owner.token, exact, '1.0.0', { keywords: [word] });
    await publishPackage(owner.token, other, '1.0.0', { keywords: [word] });
    const order = async () => {
      const { status, body } = await callJson(`/search?q=${word}`);
      expect(status).toBe(200);
      return body.results.map((r: { name: string }) => r.name);
    };
    expect(await order()).toEqual([exact, other]);
    expect((await deprecate(exact, 'Use the helper.', owner.token)).status).toBe(200);
    expect(await order()).toEqual([other, exact]);
    await undeprecate(exact, owner.token);
    expect(await order()).toEqual([exact, other]);
  });
});
