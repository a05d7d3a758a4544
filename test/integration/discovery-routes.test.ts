// Route order: `trending` and `categories` are reserved package names and must
// never be read as /packages/:name; `me` must never be read as a username.
import { beforeAll, describe, expect, it } from 'vitest';
import { api, read } from '../helpers/api';
import { callJson } from '../helpers/client';
import { expectError } from '../helpers/contract';
import { realisticRegistry, type SeededPackage, seedRegistry, seedToken } from '../helpers/seed';

const token = seedToken();
let seeded: SeededPackage[];

beforeAll(async () => {
  seeded = await seedRegistry(token, realisticRegistry(token).slice(0, 5));
});

describe('discovery routes are not shadowed', () => {
  it('GET /packages/trending is the trending list', async () => {
    const { status, body } = await read(api().packages.trending.$get({ query: {} }));
    expect(status).toBe(200);
    expect(Array.isArray(body.packages)).toBe(true);
    expect(Object.keys(body)).toEqual(['packages']);
  });

  it('GET /packages/categories/:category is the category listing, also for an unknown one', async () => {
    const ok = await read(api().packages.categories[':category'].$get({ param: { category: 'http' }, query: {} }));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ category: 'http', packages: expect.any(Array), total: expect.any(Number) });
    const unknown = await read(api().packages.categories[':category'].$get({ param: { category: 'nope' }, query: {} }));
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/category/i);
  });

  it('GET /packages/:name/stats reaches the stats route', async () => {
    const { status, body } = await read(api().packages[':name'].stats.$get({ param: { name: seeded[0]!.name } }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: seeded[0]!.name, versions_count: 1 });
  });

  it('all discovery routes are in the OpenAPI document', async () => {
    const { body } = await callJson('/openapi.json');
    for (const path of [
      '/api/v1/search',
      '/api/v1/stats',
      '/api/v1/packages/trending',
      '/api/v1/packages/categories/{category}',
      '/api/v1/packages/{name}/stats',
    ]) {
      expect(body.paths[path]?.get, path).toBeDefined();
    }
  });
});

describe('profiles list the seeded packages', () => {
  it('GET /users/:username shows each package with its latest version and downloads, and their sum', async () => {
    const { status, body } = await read(api().users[':username'].$get({ param: { username: `seed-${token}` } }));
    expect(status).toBe(200);
    const expected = seeded
      .map((p) => ({ name: p.name, version: p.latestVersion ?? '', downloads: p.downloads, role: 'owner' }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(body.packages).toEqual(expected);
    expect(body.total_downloads).toBe(seeded.reduce((n, p) => n + p.downloads, 0));
    expect(body).not.toHaveProperty('email');
  });

  it('GET /users/me is never read as a username', async () => {
    expectError(await read(api().users.me.$get()), 'authentication_required');
  });
});
