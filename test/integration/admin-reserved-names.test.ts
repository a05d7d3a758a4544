// Reserved names: operators reserve and release them; nobody (operators
// included) can publish a new package with a reserved name or a lookalike of
// it; expired reservations no longer count; the built-in reserved words stay.
import { beforeAll, describe, expect, it } from 'vitest';
import { reserveName } from '../../src/services/reserved-names';
import { adminCall, createOperator } from '../helpers/admin';
import { api, read } from '../helpers/api';
import { anIso, errorBody } from '../helpers/contract';
import { withDb } from '../helpers/db';
import { createUser, type TestUser, unique } from '../helpers/factories';
import { makeTarball, metadataFor, packageName, publishPackage, publishRaw } from '../helpers/packages';

let operator: TestUser;
let operators: string[];
let publisher: TestUser;

beforeAll(async () => {
  ({ operator, operators } = await createOperator());
  publisher = await createUser('rnp');
});

const reserve = (name: string, json: unknown, token = operator.token) =>
  adminCall(`/admin/reserved-names/${name}`, { method: 'PUT', token, json, operators });
const release = (name: string) =>
  adminCall(`/admin/reserved-names/${name}`, { method: 'DELETE', token: operator.token, operators });
async function tryPublish(token: string, name: string) {
  return publishRaw(token, metadataFor(name, '1.0.0'), await makeTarball(name, '1.0.0'));
}

describe('who may reserve names', () => {
  it('only an operator with a session token', async () => {
    const name = packageName('rnw');
    const apiToken = await read(api(operator.token).users.me.tokens.$post({ json: { name: unique('t') } }));
    expect((await adminCall(`/admin/reserved-names/${name}`, { method: 'PUT', json: { reason: 'x' } })).status).toBe(
      401,
    );
    expect((await reserve(name, { reason: 'x' }, publisher.token)).status).toBe(403);
    expect((await reserve(name, { reason: 'x' }, apiToken.body.token)).status).toBe(403);
    expect((await adminCall('/admin/reserved-names', { token: publisher.token, operators })).status).toBe(403);
    expect((await tryPublish(publisher.token, name)).status).toBe(201);
  });
});

describe('a reserved name', () => {
  it('cannot be published by anyone, nor a lookalike, until released', async () => {
    const name = packageName('rn');
    const reason = 'Kept for the core team.';
    const made = await reserve(name, { reason });
    expect(made.status).toBe(200);
    expect(made.body).toEqual({ name, reason, reserved_by: operator.username, created_at: anIso(), expires_at: '' });

    for (const token of [publisher.token, operator.token]) {
      const refused = await tryPublish(token, name);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual(
        errorBody('permission_denied', { message: `"${name}" is reserved by the registry and cannot be published.` }),
      );
    }
    const lookalike = name.replace('-', '');
    const similar = await tryPublish(publisher.token, lookalike);
    expect(similar.status).toBe(403);
    expect(similar.body.message).toBe(
      `"${lookalike}" looks like "${name}", which is reserved by the registry and cannot be published.`,
    );

    const listed = await adminCall('/admin/reserved-names?limit=200', { token: operator.token, operators });
    expect(listed.status).toBe(200);
    expect(listed.body.reserved_names).toContainEqual(made.body);

    const released = await release(name);
    expect(released.body).toEqual({ name, released: true });
    expect((await release(name)).status).toBe(404);
    expect((await tryPublish(publisher.token, name)).status).toBe(201);

    const audit = await adminCall('/admin/audit?limit=200', { token: operator.token, operators });
    const mine = audit.body.entries.filter((e: { name: string }) => e.name === name);
    expect(mine.map((e: { action: string }) => e.action)).toEqual(['name.release', 'name.reserve']);
  });

  it('does not stop an existing package from publishing new versions', async () => {
    const name = packageName('rne');
    await publishPackage(publisher.token, name, '1.0.0');
    expect((await reserve(name, { reason: 'x' })).status).toBe(200);
    expect((await publishPackage(publisher.token, name, '1.0.1')).status).toBe(201);
  });

  it('stops counting once its expiry has passed', async () => {
    const soon = packageName('rns');
    const past = packageName('rnx');
    await withDb((db) => reserveName(db, soon, 'deleted package', new Date(Date.now() + 7 * 86_400_000)));
    await withDb((db) => reserveName(db, past, 'deleted package', new Date(Date.now() - 1000)));
    expect((await tryPublish(publisher.token, soon)).status).toBe(403);
    expect((await tryPublish(publisher.token, past)).status).toBe(201);
    const listed = await adminCall('/admin/reserved-names?limit=200', { token: operator.token, operators });
    const names = listed.body.reserved_names.map((r: { name: string }) => r.name);
    expect(names).toContain(soon);
    expect(names).not.toContain(past);
  });

  it('refuses an expiry that is not a timestamp; the built-in reserved words still refuse publishing', async () => {
    expect((await reserve(packageName('rnb'), { reason: 'x', expires_at: 'next week' })).status).toBe(400);
    expect((await tryPublish(publisher.token, 'search')).status).toBe(400);
  });
});
