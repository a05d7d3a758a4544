// The pure rules of trusted publishing: reading GitHub's workflow reference,
// matching a CI identity to a configured publisher, and which issuer URLs may be used.
import { describe, expect, it } from 'vitest';
import { oidcUrlProblem } from '../../src/lib/oidc';
import { type CiIdentity, mismatchedClaim, type PublisherRule, workflowFilename } from '../../src/lib/trusted-claims';

describe('workflowFilename', () => {
  it.each([
    ['octo/app/.github/workflows/release.yml@refs/tags/v1.0.0', 'release.yml'],
    ['octo/app/.github/workflows/release.yaml@refs/heads/main', 'release.yaml'],
    ['octo/app/.github/workflows/rel.yml@refs/heads/feature@x.yml', 'rel.yml'],
    ['octo/app/.github/workflows/a@b.yml@refs/heads/main', 'a@b.yml'],
  ])('reads %s as %s', (ref, file) => {
    expect(workflowFilename(ref)).toBe(file);
  });

  it.each([
    'octo/app/.github/workflows/release.yml',
    'octo/app/.github/workflows/release.sh@refs/heads/main',
    'octo/app/.github/workflows/@refs/heads/main',
    'octo/app/other/release.yml@refs/heads/main',
    'octo/app/.github/workflows/sub/release.yml@refs/heads/main',
  ])('refuses %s', (ref) => {
    expect(workflowFilename(ref)).toBeNull();
  });
});

describe('mismatchedClaim', () => {
  const rule: PublisherRule = {
    provider: 'github',
    ownerId: '1001',
    repository: 'Octo/App',
    config: { repository_owner: 'Octo', workflow_filename: 'release.yml' },
  };
  const job: CiIdentity = {
    provider: 'github',
    ownerId: '1001',
    repository: 'octo/app',
    workflow: 'release.yml',
    environment: '',
    ref: 'refs/tags/v1',
    sha: 'a'.repeat(40),
    runId: '1',
    runUrl: 'https://github.com/octo/app/actions/runs/1',
  };

  it('matches the same owner id, repository in any case, and workflow file', () => {
    expect(mismatchedClaim(rule, job)).toBeNull();
  });

  it('names the first claim that differs', () => {
    expect(mismatchedClaim(rule, { ...job, ownerId: '1002' })).toBe('repository_owner_id');
    expect(mismatchedClaim(rule, { ...job, repository: 'octo/app2' })).toBe('repository');
    expect(mismatchedClaim(rule, { ...job, workflow: 'Release.yml' })).toBe('job_workflow_ref');
    expect(mismatchedClaim(rule, { ...job, workflow: '' })).toBe('job_workflow_ref');
  });

  it('checks the environment only when the publisher names one, case-insensitively', () => {
    expect(mismatchedClaim(rule, { ...job, environment: 'anything' })).toBeNull();
    const withEnv = { ...rule, config: { ...rule.config, environment: 'release' } };
    expect(mismatchedClaim(withEnv, { ...job, environment: 'RELEASE' })).toBeNull();
    expect(mismatchedClaim(withEnv, { ...job, environment: '' })).toBe('environment');
    expect(mismatchedClaim(withEnv, { ...job, environment: 'staging' })).toBe('environment');
  });
});

describe('oidcUrlProblem', () => {
  it('accepts https issuers everywhere', () => {
    expect(oidcUrlProblem('https://token.actions.githubusercontent.com', false)).toBeNull();
  });

  it('accepts http only on loopback, and only when local issuers are allowed', () => {
    expect(oidcUrlProblem('http://127.0.0.1:8080', true)).toBeNull();
    expect(oidcUrlProblem('http://localhost:8080/.well-known/jwks', true)).toBeNull();
    expect(oidcUrlProblem('http://127.0.0.1:8080', false)).not.toBeNull();
    expect(oidcUrlProblem('http://issuer.example.com', true)).not.toBeNull();
    expect(oidcUrlProblem('not a url', true)).not.toBeNull();
  });
});
