// Done-when of the HTTP-reads issue: every read route costs exactly one fetch
// to the database (two where a token must be checked first), counted where the
// fetches land, at the SQL-over-HTTP stand-in.
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client';
import { countDbFetches, httpReadsEnabled } from '../helpers/db-fetches';
import { createUser, type TestUser } from '../helpers/factories';

interface Fixture {
  user: TestUser;
}

interface ReadRoute {
  route: string;
  /** Statements the route needs: one, plus one for requireAuth's token check. */
  fetches: number;
  status: number;
  request: (f: Fixture) => Promise<Response>;
}

// One line per read route; extend Fixture (and beforeAll) when a route needs more data.
const READ_ROUTES: ReadRoute[] = [
  { route: 'GET /health/ready', fetches: 1, status: 200, request: () => call('/health/ready') },
  { route: 'GET /api/v1/users/:username', fetches: 1, status: 200, request: (f) => call(`/users/${f.user.username}`) },
  {
    route: 'GET /api/v1/users/:username (unknown)',
    fetches: 1,
    status: 404,
    request: () => call('/users/no-such-user-x'),
  },
  {
    route: 'GET /api/v1/users/me',
    fetches: 2,
    status: 200,
    request: (f) => call('/users/me', { token: f.user.token }),
  },
];

describe('database fetches per read request', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = { user: await createUser('fetches') };
  });

  // With HTTP reads off the same routes must not touch the HTTP endpoint at all.
  const expected = (route: ReadRoute) => (httpReadsEnabled() ? route.fetches : 0);

  it.each(READ_ROUTES)('$route', async (route) => {
    let status = 0;
    const count = await countDbFetches(async () => {
      const res = await route.request(fixture);
      status = res.status;
      await res.arrayBuffer();
    });
    expect(status).toBe(route.status);
    expect(count).toBe(expected(route));
  });

  it('the count sees every fetch: a route without database work counts zero', async () => {
    expect(await countDbFetches(() => call('/health'))).toBe(0);
  });
});
