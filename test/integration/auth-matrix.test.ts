// Who may call each write route: one table, every non-GET route of the API,
// eight callers each. A route added without a row fails the coverage test
// below, so the table stays the one place to read who can write what.
import { describe, expect, it } from 'vitest';
import { api, apiRoutes, read } from '../helpers/api';
import { callJson } from '../helpers/client';
import { errorBody, errorCodeFor } from '../helpers/contract';
import { createUser, type TestUser, unique } from '../helpers/factories';
import { addOwner, invite } from '../helpers/owners';
import { makeTarball, metadataFor, packageName, publishPackage, publishRaw } from '../helpers/packages';

/**
 * The callers, in the order of each row: no token; a token whose signature
 * does not verify; the owner's revoked token; the owner's live API tokens
 * lacking the route's scope or limited to other package names; a signed-in
 * user with no tie to the package; a maintainer; the owner. For /users/me
 * routes the "owner" is the user the invitation or token belongs to.
 */
const ACTORS = ['none', 'bad', 'revoked', 'scope', 'pattern', 'stranger', 'maintainer', 'owner'] as const;
type Actor = (typeof ACTORS)[number];
type Scope = 'publish' | 'yank' | 'owners';

interface World {
  owner: TestUser;
  maintainer: TestUser;
  stranger: TestUser;
  /** Owned by `owner`, with `maintainer` as a maintainer. */
  pkg: string;
  tokens: Record<Actor, string | undefined>;
}

interface Reply {
  status: number;
  body: unknown;
}

interface RouteCase {
  /** The scope the route needs; the `scope` caller holds a different one. */
  scope?: Scope;
  /** Expected status per caller, in ACTORS order. */
  expect: [number, number, number, number, number, number, number, number];
  /** Sends the request as `token` (setting up whatever the call acts on first). */
  send: (world: World, token: string | undefined, actor: Actor) => Promise<Reply>;
}

let publisherSeq = 0;
/** A GitHub publisher body, unique per call (one repository/workflow pair per package). */
const publisher = () => ({
  provider: 'github',
  repository_owner: 'ravens',
  repository_owner_id: '81234567',
  repository: `repo-${++publisherSeq}-${crypto.randomUUID().slice(0, 8)}`,
  workflow_filename: 'release.yml',
});
const newUsername = () => unique('m').slice(0, 32).replace(/-+$/, '');
let versionSeq = 0;
/** A version of `world.pkg`, published by its owner, for a yank or unyank to act on. */
async function freshVersion(world: World): Promise<string> {
  versionSeq += 1;
  const version = `2.0.${versionSeq}`;
  await publishPackage(world.owner.token, world.pkg, version);
  return version;
}
const inviters = new WeakMap<World, Promise<{ inviter: TestUser; name: string }>>();
/** A pending invitation for the world's owner to another user's package (one such package per world). */
async function invitationToOwner(world: World): Promise<string> {
  if (!inviters.has(world)) {
    const made = (async () => {
      const inviter = await createUser('inv');
      const name = packageName('mx-other');
      await publishPackage(inviter.token, name);
      return { inviter, name };
    })();
    inviters.set(world, made);
  }
  const { inviter, name } = await (inviters.get(world) as Promise<{ inviter: TestUser; name: string }>);
  // Inviting again replaces a pending invitation with a new one.
  const invited = await invite(inviter.token, name, world.owner.username, 'maintainer');
  expect(invited.status).toBe(202);
  return invited.body.invitation_id;
}

const ROUTES: Record<string, RouteCase> = {
  //                                        none bad  revk scope patt strg mnt  own
  'POST /auth/register': {
    // The rate limiter refuses a token it knows is revoked on every route it guards.
    expect: [201, 401, 401, 201, 201, 201, 201, 201],
    send: (_w, token) => {
      const username = newUsername();
      const json = { username, email: `${username}@example.test`, password: 'a sturdy passphrase' };
      return read(api(token).auth.register.$post({ json }));
    },
  },
  'POST /auth/login': {
    // Login skips the request limiter (it has its own), so a revoked token goes unnoticed.
    expect: [200, 401, 200, 200, 200, 200, 200, 200],
    send: (w, token) =>
      read(api(token).auth.login.$post({ json: { email: w.owner.email, password: w.owner.password } })),
  },
  'POST /auth/refresh': {
    expect: [401, 401, 401, 200, 200, 200, 200, 200],
    send: (_w, token) => read(api(token).auth.refresh.$post()),
  },
  // Operator routes: none of these callers is an operator (ADMIN_USERNAMES is empty
  // here); test/integration/admin-*.test.ts cover operators and their API tokens.
  'POST /admin/packages/{name}/takedown': {
    expect: [401, 401, 401, 403, 403, 403, 403, 403],
    send: (w, token) =>
      read(api(token).admin.packages[':name'].takedown.$post({ param: { name: w.pkg }, json: { reason: 'x' } })),
  },
  'POST /admin/packages/{name}/restore': {
    expect: [401, 401, 401, 403, 403, 403, 403, 403],
    send: (w, token) => read(api(token).admin.packages[':name'].restore.$post({ param: { name: w.pkg }, json: {} })),
  },
  'POST /admin/users/{username}/suspend': {
    expect: [401, 401, 401, 403, 403, 403, 403, 403],
    send: (w, token) =>
      read(
        api(token).admin.users[':username'].suspend.$post({
          param: { username: w.stranger.username },
          json: { reason: 'x' },
        }),
      ),
  },
  'POST /admin/users/{username}/unsuspend': {
    expect: [401, 401, 401, 403, 403, 403, 403, 403],
    send: (w, token) =>
      read(api(token).admin.users[':username'].unsuspend.$post({ param: { username: w.stranger.username }, json: {} })),
  },
  'PUT /admin/reserved-names/{name}': {
    expect: [401, 401, 401, 403, 403, 403, 403, 403],
    send: (_w, token) =>
      read(
        api(token).admin['reserved-names'][':name'].$put({
          param: { name: packageName('mxr') },
          json: { reason: 'x' },
        }),
      ),
  },
  'DELETE /admin/reserved-names/{name}': {
    expect: [401, 401, 401, 403, 403, 403, 403, 403],
    send: (w, token) => read(api(token).admin['reserved-names'][':name'].$delete({ param: { name: w.pkg } })),
  },
  'PUT /packages/{name}/deprecate': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 200],
    send: (w, token) =>
      read(api(token).packages[':name'].deprecate.$put({ param: { name: w.pkg }, json: { message: 'Use x.' } })),
  },
  'DELETE /packages/{name}/deprecate': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 200],
    send: (w, token) => read(api(token).packages[':name'].deprecate.$delete({ param: { name: w.pkg } })),
  },
  'POST /users/me/invitations/{invitation_id}/accept': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 404, 404, 200],
    send: async (w, token) => {
      const invitation_id = await invitationToOwner(w);
      return read(api(token).users.me.invitations[':invitation_id'].accept.$post({ param: { invitation_id } }));
    },
  },
  'POST /users/me/invitations/{invitation_id}/decline': {
    expect: [401, 401, 401, 200, 200, 404, 404, 200],
    send: async (w, token) => {
      const invitation_id = await invitationToOwner(w);
      return read(api(token).users.me.invitations[':invitation_id'].decline.$post({ param: { invitation_id } }));
    },
  },
  'PUT /packages/{name}/owners': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 202],
    send: (w, token) =>
      read(
        api(token).packages[':name'].owners.$put({
          param: { name: w.pkg },
          json: { username: w.stranger.username, role: 'maintainer' },
        }),
      ),
  },
  'DELETE /packages/{name}/invitations/{invitation_id}': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 200],
    send: async (w, token) => {
      const invited = await invite(w.owner.token, w.pkg, w.stranger.username, 'maintainer');
      const param = { name: w.pkg, invitation_id: invited.body.invitation_id as string };
      return read(api(token).packages[':name'].invitations[':invitation_id'].$delete({ param }));
    },
  },
  'DELETE /packages/{name}/owners/{username}': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 200],
    send: (w, token) =>
      read(
        api(token).packages[':name'].owners[':username'].$delete({
          param: { name: w.pkg, username: w.maintainer.username },
        }),
      ),
  },
  'POST /packages/publish': {
    scope: 'publish',
    expect: [401, 401, 401, 403, 403, 403, 201, 201],
    send: async (w, token, actor) => {
      const version = `1.0.${ACTORS.indexOf(actor) + 1}`;
      return publishRaw(token, metadataFor(w.pkg, version), await makeTarball(w.pkg, version));
    },
  },
  'DELETE /packages/{name}/{version}': {
    scope: 'yank',
    expect: [401, 401, 401, 403, 403, 403, 200, 200],
    send: async (w, token) => {
      const version = await freshVersion(w);
      return read(api(token).packages[':name'][':version'].$delete({ param: { name: w.pkg, version } }));
    },
  },
  'POST /packages/{name}/delete': {
    // Owners with a session token only: no API token deletes, whatever its scopes.
    scope: 'yank',
    expect: [401, 401, 401, 403, 403, 403, 403, 200],
    send: async (w, token) => {
      const version = await freshVersion(w);
      return callJson(`/packages/${w.pkg}/delete`, { method: 'POST', token, json: { version } });
    },
  },
  'POST /packages/{name}/reports': {
    // Anyone signed in, with any live token.
    expect: [401, 401, 401, 201, 201, 201, 201, 201],
    send: (w, token) =>
      callJson(`/packages/${w.pkg}/reports`, { method: 'POST', token, json: { kind: 'spam', text: 'x' } }),
  },
  'POST /admin/reports/{id}/close': {
    // Operators only (ADMIN_USERNAMES is empty here); test/integration/reports.test.ts has the operator's side.
    expect: [401, 401, 401, 403, 403, 403, 403, 403],
    send: async (w, token) => {
      const filed = await callJson(`/packages/${w.pkg}/reports`, {
        method: 'POST',
        token: w.stranger.token,
        json: { kind: 'other', text: 'x' },
      });
      expect(filed.status).toBe(201);
      return callJson(`/admin/reports/${filed.body.report_id}/close`, {
        method: 'POST',
        token,
        json: { resolution: 'done' },
      });
    },
  },
  'PUT /packages/{name}/{version}/unyank': {
    scope: 'yank',
    expect: [401, 401, 401, 403, 403, 403, 200, 200],
    send: async (w, token) => {
      const param = { name: w.pkg, version: await freshVersion(w) };
      const yanked = await read(api(w.owner.token).packages[':name'][':version'].$delete({ param }));
      expect(yanked.status).toBe(200);
      return read(api(token).packages[':name'][':version'].unyank.$put({ param }));
    },
  },
  'POST /users/me/tokens': {
    // Only session tokens manage tokens: any signed-in user may make their own.
    expect: [401, 401, 401, 403, 403, 201, 201, 201],
    send: (_w, token) => read(api(token).users.me.tokens.$post({ json: { name: unique('mx') } })),
  },
  'DELETE /users/me/tokens/{token_id}': {
    expect: [401, 401, 401, 403, 403, 404, 404, 200],
    send: async (w, token) => {
      const made = await read(api(w.owner.token).users.me.tokens.$post({ json: { name: unique('mx') } }));
      return read(api(token).users.me.tokens[':token_id'].$delete({ param: { token_id: made.body.token_id } }));
    },
  },
  'POST /packages/{name}/webhooks': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 201],
    send: (w, token) =>
      read(
        api(token).packages[':name'].webhooks.$post({
          param: { name: w.pkg },
          json: { url: `https://hooks.example.com/raven/${crypto.randomUUID()}`, events: ['package.published'] },
        }),
      ),
  },
  'DELETE /packages/{name}/webhooks/{id}': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 200],
    send: async (w, token) => {
      const made = await read(
        api(w.owner.token).packages[':name'].webhooks.$post({
          param: { name: w.pkg },
          json: { url: `https://hooks.example.com/raven/${crypto.randomUUID()}`, events: ['package.published'] },
        }),
      );
      return read(api(token).packages[':name'].webhooks[':id'].$delete({ param: { name: w.pkg, id: made.body.id } }));
    },
  },
  'POST /packages/{name}/trusted-publishers': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 201],
    send: (w, token) => callJson(`/packages/${w.pkg}/trusted-publishers`, { method: 'POST', token, json: publisher() }),
  },
  'DELETE /packages/{name}/trusted-publishers/{id}': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 200],
    send: async (w, token) => {
      const made = await callJson(`/packages/${w.pkg}/trusted-publishers`, {
        method: 'POST',
        token: w.owner.token,
        json: publisher(),
      });
      return callJson(`/packages/${w.pkg}/trusted-publishers/${made.body.id}`, { method: 'DELETE', token });
    },
  },
  'PUT /packages/{name}/trusted-publishing': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 200],
    send: (w, token) =>
      callJson(`/packages/${w.pkg}/trusted-publishing`, {
        method: 'PUT',
        token,
        json: { require_trusted_publishing: false },
      }),
  },
  // Only a CI ID token is accepted: no registry token stands in for one.
  'POST /trusted-publishing/tokens': {
    expect: [401, 401, 401, 401, 401, 401, 401, 401],
    send: (_w, token) =>
      callJson('/trusted-publishing/tokens', { method: 'POST', token, json: { jwt: 'not.an.idtoken' } }),
  },
  // Revokes the trusted token presenting it; any other token has none to revoke.
  'DELETE /trusted-publishing/tokens': {
    expect: [401, 401, 401, 403, 403, 403, 403, 403],
    send: (_w, token) => callJson('/trusted-publishing/tokens', { method: 'DELETE', token }),
  },
  'PATCH /packages/{name}/webhooks/{id}': {
    scope: 'owners',
    expect: [401, 401, 401, 403, 403, 403, 403, 200],
    send: async (w, token) => {
      const made = await callJson(`/packages/${w.pkg}/webhooks`, {
        method: 'POST',
        token: w.owner.token,
        json: { url: `https://hooks.example.com/raven/${crypto.randomUUID()}`, events: ['package.published'] },
      });
      return callJson(`/packages/${w.pkg}/webhooks/${made.body.id}`, {
        method: 'PATCH',
        token,
        json: { paused: true },
      });
    },
  },
  'POST /packages/{name}/webhooks/{id}/deliveries/{delivery_id}/redeliver': {
    scope: 'owners',
    // An unknown delivery: the owner gets as far as the lookup.
    expect: [401, 401, 401, 403, 403, 403, 403, 404],
    send: async (w, token) => {
      const made = await callJson(`/packages/${w.pkg}/webhooks`, {
        method: 'POST',
        token: w.owner.token,
        json: { url: `https://hooks.example.com/raven/${crypto.randomUUID()}`, events: ['package.published'] },
      });
      return callJson(`/packages/${w.pkg}/webhooks/${made.body.id}/deliveries/${crypto.randomUUID()}/redeliver`, {
        method: 'POST',
        token,
      });
    },
  },
};

/** A token that looks right but whose signature is not the registry's. */
function forged(token: string): string {
  const [head, payload, signature = ''] = token.split('.');
  return `${head}.${payload}.${[...signature].reverse().join('')}`;
}

async function apiToken(owner: TestUser, json: { scopes?: Scope[]; package_pattern?: string }) {
  const made = await read(api(owner.token).users.me.tokens.$post({ json: { name: unique('mx'), ...json } }));
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body;
}

/** Fresh users, package and tokens per route, so one route's writes never change another's row. */
async function makeWorld(scope: Scope | undefined): Promise<World> {
  const [owner, maintainer, stranger] = await Promise.all([createUser('mo'), createUser('mm'), createUser('ms')]);
  const pkg = packageName('mx');
  await publishPackage(owner.token, pkg);
  await addOwner(owner, pkg, maintainer, 'maintainer');
  const [revoked, narrow, elsewhere] = await Promise.all([
    apiToken(owner, {}),
    apiToken(owner, { scopes: [scope === 'publish' ? 'yank' : 'publish'] }),
    apiToken(owner, { package_pattern: 'elsewhere-*' }),
  ]);
  const gone = await read(
    api(owner.token).users.me.tokens[':token_id'].$delete({ param: { token_id: revoked.token_id } }),
  );
  expect(gone.status).toBe(200);
  return {
    owner,
    maintainer,
    stranger,
    pkg,
    tokens: {
      none: undefined,
      bad: forged(owner.token),
      revoked: revoked.token,
      scope: narrow.token,
      pattern: elsewhere.token,
      stranger: stranger.token,
      maintainer: maintainer.token,
      owner: owner.token,
    },
  };
}

describe('who may call each write route', () => {
  it.each(Object.entries(ROUTES))('%s', async (_route, route) => {
    const world = await makeWorld(route.scope);
    const seen: number[] = [];
    for (const actor of ACTORS) {
      const reply = await route.send(world, world.tokens[actor], actor);
      seen.push(reply.status);
      // Every refusal is the contract's error body for its status.
      if (reply.status >= 400) {
        const details = (reply.body as { details?: unknown }).details;
        // A refused ID token names the claim that failed (never the token itself).
        const extra = details === undefined ? {} : { details: { claim: expect.any(String) } };
        expect(reply.body, actor).toEqual(errorBody(errorCodeFor(reply.status), extra));
      }
    }
    expect(Object.fromEntries(ACTORS.map((a, i) => [a, seen[i]]))).toEqual(
      Object.fromEntries(ACTORS.map((a, i) => [a, route.expect[i]])),
    );
  });

  it('has a row for every write route the API serves, and the typed client knows every route', async () => {
    const { body } = await callJson<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json');
    const served = Object.entries(body.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/^\/api\/v1/, '')}`),
    );
    const writes = served.filter((op) => !op.startsWith('GET ') && !op.includes(' /health'));
    expect(Object.keys(ROUTES).sort()).toEqual(writes.sort());

    const typed = apiRoutes().getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'typed', version: '0' } });
    const known = Object.entries(typed.paths ?? {}).flatMap(([path, ops]) =>
      Object.keys(ops ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(known.sort()).toEqual(served.filter((op) => !op.includes(' /health')).sort());
  });
});
