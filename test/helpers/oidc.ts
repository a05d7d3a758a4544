// ID tokens as GitHub Actions mints them, signed by the local test issuer
// (scripts/lib/oidc-issuer.ts, started in global-setup.ts), and the trusted
// publishing calls around them.
import { importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { inject } from 'vitest';
import { BASE, callJson } from './client';

// Typed by hand: the ProvidedContext augmentation in global-setup.ts does not reach vitest 5's re-export.
const provided = (key: string) => (inject as unknown as (key: string) => string)(key);

const testIssuer = () => provided('oidcIssuer');
const privateKeys = (): JWK[] => JSON.parse(provided('oidcPrivateKeys'));

/** A GitHub repository as its owner id, owner name and name: unique per test, the exchange scans by them. */
export interface Repo {
  owner: string;
  ownerId: string;
  name: string;
}

let seq = 0;
export function uniqueRepo(): Repo {
  seq += 1;
  const tag = `${Date.now().toString(36)}${seq}${Math.random().toString(36).slice(2, 6)}`;
  return { owner: `org-${tag}`, ownerId: String(10_000_000 + Math.floor(Math.random() * 1e9)), name: `repo-${tag}` };
}

/** GitHub's claim set for a release job in `repo` running `.github/workflows/release.yml` at tag v1.1.0. */
export function githubClaims(repo: Repo, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const full = `${repo.owner}/${repo.name}`;
  return {
    iss: testIssuer(),
    aud: BASE,
    sub: `repo:${full}:ref:refs/tags/v1.1.0`,
    jti: crypto.randomUUID(),
    iat: now,
    nbf: now - 5,
    exp: now + 300,
    repository: full,
    repository_id: '123456789',
    repository_owner: repo.owner,
    repository_owner_id: repo.ownerId,
    workflow: 'Release',
    workflow_ref: `${full}/.github/workflows/release.yml@refs/tags/v1.1.0`,
    job_workflow_ref: `${full}/.github/workflows/release.yml@refs/tags/v1.1.0`,
    ref: 'refs/tags/v1.1.0',
    ref_type: 'tag',
    sha: 'a'.repeat(40),
    run_id: '987654321',
    run_attempt: '1',
    event_name: 'push',
    actor: 'octocat',
    ...overrides,
  };
}

/** Signs claims with the issuer's RS256 key (or `alg`'s key); `key`/`kid` override to sign with something else. */
export async function signIdToken(
  claims: JWTPayload,
  options: { alg?: string; key?: CryptoKey | Uint8Array; kid?: string } = {},
): Promise<string> {
  const alg = options.alg ?? 'RS256';
  const jwk = privateKeys().find((k) => k.alg === alg);
  const key = options.key ?? (jwk ? await importJWK(jwk, alg) : undefined);
  if (!key) throw new Error(`no test key for ${alg}`);
  return new SignJWT(claims).setProtectedHeader({ alg, kid: options.kid ?? jwk?.kid ?? 'none', typ: 'JWT' }).sign(key);
}

export function exchange(jwt: string) {
  return callJson('/trusted-publishing/tokens', { method: 'POST', json: { jwt } });
}

export function githubPublisher(repo: Repo, extra: Record<string, unknown> = {}) {
  return {
    provider: 'github',
    repository_owner: repo.owner,
    repository_owner_id: repo.ownerId,
    repository: repo.name,
    workflow_filename: 'release.yml',
    ...extra,
  };
}

export async function addPublisher(token: string, name: string, body: Record<string, unknown>) {
  const res = await callJson(`/packages/${name}/trusted-publishers`, { method: 'POST', token, json: body });
  if (res.status !== 201) throw new Error(`add publisher failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
