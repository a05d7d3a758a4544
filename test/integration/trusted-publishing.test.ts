// Trusted publishing end to end: owners configure publishers, a CI job's ID
// token (signed by the local test issuer) is exchanged for a short-lived
// publish token, and the version records where it came from. Every refusal
// names the claim that failed.
import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepWebhookOutbox } from '../../src/queue/sweeper';
import { callJson } from '../helpers/client';
import { withDb } from '../helpers/db';
import { createUser, type TestUser } from '../helpers/factories';
import {
  addPublisher,
  exchange,
  githubClaims,
  githubPublisher,
  type Repo,
  signIdToken,
  uniqueRepo,
} from '../helpers/oidc';
import { makeTarball, metadataFor, packageName, publishPackage, publishRaw } from '../helpers/packages';

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

async function publishWith(token: string, name: string, version: string) {
  return publishRaw(token, metadataFor(name, version), await makeTarball(name, version));
}

/** The refusal's status, claim and message, for one-line assertions. */
async function refusal(jwt: string) {
  const res = await exchange(jwt);
  return { status: res.status, error: res.body.error, claim: res.body.details?.claim, message: res.body.message };
}

let owner: TestUser;
/** A package with a GitHub publisher (release.yml, any environment). */
let pkg: string;
let repo: Repo;
/** A package whose publisher requires the `release` environment. */
let envPkg: string;
let envRepo: Repo;

beforeAll(async () => {
  owner = await createUser('tp');
  pkg = packageName('tp');
  repo = uniqueRepo();
  await publishPackage(owner.token, pkg, '1.0.0');
  await addPublisher(owner.token, pkg, githubPublisher(repo));
  envPkg = packageName('tpenv');
  envRepo = uniqueRepo();
  await publishPackage(owner.token, envPkg, '1.0.0');
  await addPublisher(owner.token, envPkg, githubPublisher(envRepo, { environment: 'release' }));
});

describe('configuring trusted publishers', () => {
  it('lets owners add, list and remove publishers, and records each change in the audit trail', async () => {
    const name = packageName('tpcfg');
    const r = uniqueRepo();
    await publishPackage(owner.token, name, '1.0.0');
    const created = await addPublisher(owner.token, name, githubPublisher(r, { environment: 'release' }));
    expect(created).toMatchObject({
      provider: 'github',
      repository_owner: r.owner,
      repository_owner_id: r.ownerId,
      repository: `${r.owner}/${r.name}`,
      workflow_filename: 'release.yml',
      environment: 'release',
      created_by: owner.username,
    });
    const listed = await callJson(`/packages/${name}/trusted-publishers`, { token: owner.token });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ name, require_trusted_publishing: false });
    expect(listed.body.publishers.map((p: { id: string }) => p.id)).toEqual([created.id]);

    const dup = await callJson(`/packages/${name}/trusted-publishers`, {
      method: 'POST',
      token: owner.token,
      json: githubPublisher(r, { environment: 'release' }),
    });
    expect(dup.status).toBe(409);

    const removed = await callJson(`/packages/${name}/trusted-publishers/${created.id}`, {
      method: 'DELETE',
      token: owner.token,
    });
    expect(removed).toMatchObject({ status: 200, body: { id: created.id, deleted: true } });
    const after = await callJson(`/packages/${name}/trusted-publishers`, { token: owner.token });
    expect(after.body.publishers).toEqual([]);

    const audit = await callJson(`/packages/${name}/audit`, { token: owner.token });
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['trusted_publisher.create', 'trusted_publisher.delete']),
    );
  });

  it('refuses people who are not owners and publishers that are malformed', async () => {
    const stranger = await createUser('tpx');
    const asStranger = await callJson(`/packages/${pkg}/trusted-publishers`, {
      method: 'POST',
      token: stranger.token,
      json: githubPublisher(uniqueRepo()),
    });
    expect(asStranger.status).toBe(403);
    expect((await callJson(`/packages/${pkg}/trusted-publishers`, { token: stranger.token })).status).toBe(403);

    const r = uniqueRepo();
    for (const bad of [
      githubPublisher(r, { workflow_filename: '.github/workflows/release.yml' }),
      githubPublisher(r, { repository_owner_id: 'octo' }),
      githubPublisher(r, { repository: 'someone-else/repo' }),
      githubPublisher(r, { provider: 'jenkins' }),
    ]) {
      const res = await callJson(`/packages/${pkg}/trusted-publishers`, {
        method: 'POST',
        token: owner.token,
        json: bad,
      });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });
});

describe('exchanging an ID token and publishing with it', () => {
  it('publishes a configured package from CI and serves the provenance with the version', async () => {
    const name = packageName('tphappy');
    const r = uniqueRepo();
    await publishPackage(owner.token, name, '1.0.0');
    await addPublisher(owner.token, name, githubPublisher(r));

    const minted = await exchange(await signIdToken(githubClaims(r)));
    expect(minted.status).toBe(201);
    expect(minted.body.packages).toEqual([name]);
    expect(minted.body.token).toMatch(/^rvn_/);
    const lifetime = Date.parse(minted.body.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(29 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(30 * 60_000);

    const published = await publishWith(minted.body.token, name, '1.1.0');
    expect(published.status).toBe(201);

    const version = await callJson(`/packages/${name}/1.1.0`);
    expect(version.body.provenance).toEqual({
      provider: 'github',
      repository: `${r.owner}/${r.name}`,
      workflow: 'release.yml',
      ref: 'refs/tags/v1.1.0',
      sha: 'a'.repeat(40),
      run_id: '987654321',
      run_url: `https://github.com/${r.owner}/${r.name}/actions/runs/987654321`,
    });
    const ordinary = await callJson(`/packages/${name}/1.0.0`);
    expect(ordinary.body.provenance).toBeNull();

    // The version's web page shows where it came from, linking to the run; an ordinary version shows nothing.
    const page = await (await exports.default.fetch(`http://registry.test/packages/${name}/1.1.0`)).text();
    expect(page).toContain(
      `<a href="https://github.com/${r.owner}/${r.name}/actions/runs/987654321" rel="nofollow noopener ugc">` +
        `Built and published from ${r.owner}/${r.name}@aaaaaaa by release.yml</a>`,
    );
    const plain = await (await exports.default.fetch(`http://registry.test/packages/${name}/1.0.0`)).text();
    expect(plain).not.toContain('id="provenance"');

    const audit = await callJson(`/packages/${name}/audit`, { token: owner.token });
    const minting = audit.body.entries.find((e: { action: string }) => e.action === 'trusted_token.create');
    expect(minting.details).toMatchObject({
      repository: `${r.owner}/${r.name}`,
      run_id: '987654321',
      sha: 'a'.repeat(40),
    });
  });

  it('accepts ES256 ID tokens and matches the repository case-insensitively', async () => {
    const claims = githubClaims(repo, { repository: `${repo.owner}/${repo.name}`.toUpperCase() });
    const minted = await exchange(await signIdToken(claims, { alg: 'ES256' }));
    expect(minted.status).toBe(201);
    expect(minted.body.packages).toEqual([pkg]);
  });

  it('gives a token that can publish nothing but its packages, and nothing else at all', async () => {
    const other = packageName('tpother');
    await publishPackage(owner.token, other, '1.0.0');
    const { body } = await exchange(await signIdToken(githubClaims(repo)));

    const elsewhere = await publishWith(body.token, other, '1.1.0');
    expect(elsewhere.status).toBe(403);
    const brandNew = await publishWith(body.token, packageName('tpnew'), '1.0.0');
    expect(brandNew.status).toBe(403);
    expect((await callJson('/users/me', { token: body.token })).status).toBe(403);
    // Nor can it be refreshed into a longer-lived token.
    expect((await callJson('/auth/refresh', { method: 'POST', token: body.token })).status).toBe(403);
    const yank = await callJson(`/packages/${pkg}/1.0.0`, { method: 'DELETE', token: body.token });
    expect(yank.status).toBe(403);
  });

  it("shows minted tokens in the owner's token list, where the owner can revoke them", async () => {
    const runId = String(Date.now());
    const { body } = await exchange(await signIdToken(githubClaims(repo, { run_id: runId })));
    const mine = async () =>
      (await callJson('/users/me', { token: owner.token })).body.tokens.filter((t: { name: string }) =>
        t.name.startsWith(`CI run ${runId} of `),
      );
    const [listed] = await mine();
    expect(listed).toMatchObject({ kind: 'trusted', scopes: ['publish'] });
    const revoked = await callJson(`/users/me/tokens/${listed.token_id}`, { method: 'DELETE', token: owner.token });
    expect(revoked.status).toBe(200);
    expect(await mine()).toEqual([]);
    expect((await publishWith(body.token, pkg, '9.9.8')).status).toBe(401);
  });

  it('lets the trusted token revoke itself, after which it stops working', async () => {
    const { body } = await exchange(await signIdToken(githubClaims(repo)));
    const revoked = await callJson('/trusted-publishing/tokens', { method: 'DELETE', token: body.token });
    expect(revoked).toMatchObject({ status: 200, body: { revoked: true } });
    expect((await publishWith(body.token, pkg, '9.9.9')).status).toBe(401);
    // An ordinary token is not revoked through this route.
    const ordinary = await callJson('/trusted-publishing/tokens', { method: 'DELETE', token: owner.token });
    expect(ordinary.status).toBe(403);
  });
});

describe('refusing ID tokens that do not verify', () => {
  it('refuses a token for another audience', async () => {
    const r = await refusal(await signIdToken(githubClaims(repo, { aud: 'https://other-registry.example' })));
    expect(r).toMatchObject({ status: 401, claim: 'aud' });
    expect(r.message).toContain('"aud"');
  });

  it('refuses a token from an issuer that is not configured', async () => {
    const r = await refusal(await signIdToken(githubClaims(repo, { iss: 'https://token.evil.example' })));
    expect(r).toMatchObject({ status: 401, claim: 'iss' });
  });

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const r = await refusal(await signIdToken(githubClaims(repo, { iat: past, nbf: past, exp: past + 300 })));
    expect(r).toMatchObject({ status: 401, claim: 'exp' });
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    const r = await refusal(await signIdToken(githubClaims(repo, { nbf: Math.floor(Date.now() / 1000) + 600 })));
    expect(r).toMatchObject({ status: 401, claim: 'nbf' });
  });

  it('refuses a token issued in the future (iat)', async () => {
    const later = Math.floor(Date.now() / 1000) + 600;
    const r = await refusal(await signIdToken(githubClaims(repo, { iat: later, exp: later + 300 })));
    expect(r).toMatchObject({ status: 401, claim: 'iat' });
  });

  it('refuses a token exchanged twice (same jti)', async () => {
    const jwt = await signIdToken(githubClaims(repo));
    expect((await exchange(jwt)).status).toBe(201);
    const r = await refusal(jwt);
    expect(r).toMatchObject({ status: 401, claim: 'jti' });
  });

  it('refuses a token signed by a key the issuer does not publish (unknown kid)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const r = await refusal(await signIdToken(githubClaims(repo), { key: privateKey, kid: 'not-published' }));
    expect(r).toMatchObject({ status: 401, claim: 'kid' });
  });

  it('refuses a token signed by another key under a published kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const r = await refusal(await signIdToken(githubClaims(repo), { key: privateKey, kid: 'test-rs256' }));
    expect(r).toMatchObject({ status: 401, claim: 'signature' });
  });

  it('refuses an unsigned token (alg none)', async () => {
    const jwt = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(githubClaims(repo))}.`;
    const r = await refusal(jwt);
    expect(r).toMatchObject({ status: 401, claim: 'alg' });
  });

  it('refuses an HS256 token, even one keyed with the issuer public key', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(publicKey)));
    const r = await refusal(await signIdToken(githubClaims(repo), { alg: 'HS256', key: secret }));
    expect(r).toMatchObject({ status: 401, claim: 'alg' });
  });

  it('refuses something that is not a JWT at all, without echoing it', async () => {
    const r = await refusal('not-a-jwt-secret-value');
    expect(r).toMatchObject({ status: 401, claim: 'jwt' });
    expect(r.message).not.toContain('not-a-jwt-secret-value');
  });
});

describe('refusing ID tokens that match no publisher', () => {
  it('refuses a repository whose owner id differs (owner deleted and recreated)', async () => {
    const r = await refusal(await signIdToken(githubClaims({ ...repo, ownerId: '42' })));
    expect(r).toMatchObject({ status: 403, claim: 'repository_owner_id' });
  });

  it('refuses a renamed repository until its publisher is updated', async () => {
    const r = await refusal(await signIdToken(githubClaims({ ...repo, name: `${repo.name}-renamed` })));
    expect(r).toMatchObject({ status: 403, claim: 'repository' });
  });

  it('refuses another workflow file of the right repository', async () => {
    const full = `${repo.owner}/${repo.name}`;
    const claims = githubClaims(repo, { job_workflow_ref: `${full}/.github/workflows/ci.yml@refs/heads/main` });
    const r = await refusal(await signIdToken(claims));
    expect(r).toMatchObject({ status: 403, claim: 'job_workflow_ref' });
  });

  it('refuses a job outside the configured environment', async () => {
    const none = await refusal(await signIdToken(githubClaims(envRepo)));
    expect(none).toMatchObject({ status: 403, claim: 'environment' });
    const other = await refusal(await signIdToken(githubClaims(envRepo, { environment: 'staging' })));
    expect(other).toMatchObject({ status: 403, claim: 'environment' });
    const right = await exchange(await signIdToken(githubClaims(envRepo, { environment: 'Release' })));
    expect(right.status).toBe(201);
    expect(right.body.packages).toEqual([envPkg]);
  });

  it('refuses a repository that no package has a publisher for', async () => {
    const r = await refusal(await signIdToken(githubClaims(uniqueRepo())));
    expect(r).toMatchObject({ status: 403, claim: 'repository' });
  });

  it('refuses a token missing a claim the match needs', async () => {
    const claims: JWTPayload = githubClaims(repo);
    delete claims.repository_owner_id;
    const r = await refusal(await signIdToken(claims));
    expect(r).toMatchObject({ status: 401, claim: 'repository_owner_id' });
  });
});

describe('requiring trusted publishing', () => {
  it('refuses ordinary tokens to publish but leaves owners yank and management', async () => {
    const name = packageName('tpreq');
    const r = uniqueRepo();
    await publishPackage(owner.token, name, '1.0.0');
    await addPublisher(owner.token, name, githubPublisher(r));
    const set = await callJson(`/packages/${name}/trusted-publishing`, {
      method: 'PUT',
      token: owner.token,
      json: { require_trusted_publishing: true },
    });
    expect(set).toMatchObject({ status: 200, body: { name, require_trusted_publishing: true } });

    const ordinary = await publishWith(owner.token, name, '1.1.0');
    expect(ordinary.status).toBe(403);
    expect(ordinary.body.message).toContain('requires trusted publishing');

    const { body } = await exchange(await signIdToken(githubClaims(r)));
    expect((await publishWith(body.token, name, '1.1.0')).status).toBe(201);

    const yank = await callJson(`/packages/${name}/1.0.0`, { method: 'DELETE', token: owner.token });
    expect(yank.status).toBe(200);
    const listed = await callJson(`/packages/${name}/trusted-publishers`, { token: owner.token });
    expect(listed.body.require_trusted_publishing).toBe(true);
  });

  it('cannot be switched on for a package with no publisher, which nobody could then publish', async () => {
    const name = packageName('tpreqnone');
    await publishPackage(owner.token, name, '1.0.0');
    const set = await callJson(`/packages/${name}/trusted-publishing`, {
      method: 'PUT',
      token: owner.token,
      json: { require_trusted_publishing: true },
    });
    expect(set.status).toBe(409);
    expect((await publishWith(owner.token, name, '1.1.0')).status).toBe(201);
  });

  it('is switched by owners only', async () => {
    const stranger = await createUser('tpreqx');
    const set = await callJson(`/packages/${pkg}/trusted-publishing`, {
      method: 'PUT',
      token: stranger.token,
      json: { require_trusted_publishing: true },
    });
    expect(set.status).toBe(403);
  });
});

describe('housekeeping and documentation', () => {
  it('the cron forgets exchanged token ids once those ID tokens have expired, and only then', async () => {
    const [expired, live] = [crypto.randomUUID(), crypto.randomUUID()];
    await withDb((db) =>
      db.execute(sql`
        insert into trusted_publishing_jtis (issuer, jti, expires_at) values
          ('https://issuer.test', ${expired}, now() - interval '1 minute'),
          ('https://issuer.test', ${live}, now() + interval '5 minutes')`),
    );
    await sweepWebhookOutbox(env);
    const left = await withDb((db) =>
      db.execute<{ jti: string }>(sql`select jti from trusted_publishing_jtis where jti in (${expired}, ${live})`),
    );
    expect(left.rows.map((r) => r.jti)).toEqual([live]);
  });

  it('a removed publisher mints no more tokens', async () => {
    const name = packageName('tpgone');
    const r = uniqueRepo();
    await publishPackage(owner.token, name, '1.0.0');
    const publisher = await addPublisher(owner.token, name, githubPublisher(r));
    await callJson(`/packages/${name}/trusted-publishers/${publisher.id}`, { method: 'DELETE', token: owner.token });
    const res = await refusal(await signIdToken(githubClaims(r)));
    expect(res).toMatchObject({ status: 403, claim: 'repository' });
  });

  it('mints nothing for a package whose owners are all suspended, and acts for another owner when one is not', async () => {
    const solo = await createUser('tpsusp');
    const name = packageName('tpsusp');
    const r = uniqueRepo();
    await publishPackage(solo.token, name, '1.0.0');
    await addPublisher(solo.token, name, githubPublisher(r));
    const suspend = (userId: string, on: boolean) =>
      withDb((db) =>
        db.execute(sql`update users set suspended_at = ${on ? sql`now()` : sql`null`} where id = ${userId}`),
      );
    await suspend(solo.userId, true);
    // The token would act for a suspended account, which every route refuses: refused here, saying why.
    const res = await refusal(await signIdToken(githubClaims(r)));
    expect(res).toMatchObject({ status: 403, claim: 'owners' });
    expect(res.message).toContain('suspended');
    await suspend(solo.userId, false);
    expect((await exchange(await signIdToken(githubClaims(r)))).status).toBe(201);
  });

  it('documents the trusted publishing routes in the OpenAPI document', async () => {
    const { body } = await callJson('/openapi.json');
    const paths = Object.keys(body.paths);
    for (const path of [
      '/api/v1/packages/{name}/trusted-publishers',
      '/api/v1/packages/{name}/trusted-publishers/{id}',
      '/api/v1/packages/{name}/trusted-publishing',
      '/api/v1/trusted-publishing/tokens',
    ]) {
      expect(paths).toContain(path);
    }
    expect(Object.keys(body.paths['/api/v1/trusted-publishing/tokens'])).toEqual(['post', 'delete']);
  });
});
