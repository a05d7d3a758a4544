// What a verified CI ID token says about the job, per provider, and whether it
// matches a configured trusted publisher. Pure functions: the exchange
// (src/services/trusted-publishing.ts) does the database work around them.
import { OidcError, type VerifiedIdToken } from './oidc';

const TRUSTED_PROVIDERS = ['github'] as const;
type TrustedProvider = (typeof TRUSTED_PROVIDERS)[number];

/** The job a token speaks for, in the shape every provider maps to. */
export interface CiIdentity {
  provider: TrustedProvider;
  /** The repository owner's immutable id: it survives a deleted-and-recreated owner name. */
  ownerId: string;
  /** `owner/name` as the provider spells it today. */
  repository: string;
  /** The workflow file the job runs (from `job_workflow_ref`); "" when it cannot be read. */
  workflow: string;
  environment: string;
  ref: string;
  sha: string;
  runId: string;
  runUrl: string;
}

/** Where a version came from, as served in version replies (strings, never null). */
export interface Provenance {
  provider: TrustedProvider;
  repository: string;
  workflow: string;
  ref: string;
  sha: string;
  run_id: string;
  run_url: string;
}

/** A configured publisher, as stored (trusted_publishers). */
export interface PublisherRule {
  provider: string;
  ownerId: string;
  repository: string;
  config: Record<string, string>;
}

function stringClaim(payload: VerifiedIdToken, claim: string, required = true): string {
  const value = payload[claim];
  if (typeof value === 'string' && value.length > 0 && value.length <= 512) return value;
  if (!required && value === undefined) return '';
  throw new OidcError(claim, `The ID token's "${claim}" is missing or not a string.`);
}

/**
 * The workflow file name in a GitHub workflow reference:
 * `owner/repo/.github/workflows/release.yml@refs/tags/v1` -> `release.yml`.
 * `job_workflow_ref` names the workflow the job is defined in (the called one,
 * for a reusable workflow). Null when the reference has another shape.
 */
export function workflowFilename(ref: string): string | null {
  const match = /^[^/]+\/[^/]+\/\.github\/workflows\/([^/]+\.ya?ml)@.+$/.exec(ref);
  return match?.[1] ?? null;
}

/** Reads GitHub Actions' claim set (docs.github.com, "OIDC token claims"). */
export function githubIdentity(payload: VerifiedIdToken): CiIdentity {
  const repository = stringClaim(payload, 'repository');
  const runId = stringClaim(payload, 'run_id');
  const jobWorkflowRef = stringClaim(payload, 'job_workflow_ref');
  return {
    provider: 'github',
    ownerId: stringClaim(payload, 'repository_owner_id'),
    repository,
    workflow: workflowFilename(jobWorkflowRef) ?? '',
    environment: stringClaim(payload, 'environment', false),
    ref: stringClaim(payload, 'ref'),
    sha: stringClaim(payload, 'sha'),
    runId,
    runUrl: `https://github.com/${repository}/actions/runs/${encodeURIComponent(runId)}`,
  };
}

export function provenanceOf(identity: CiIdentity): Provenance {
  return {
    provider: identity.provider,
    repository: identity.repository,
    workflow: identity.workflow,
    ref: identity.ref,
    sha: identity.sha,
    run_id: identity.runId,
    run_url: identity.runUrl,
  };
}

/**
 * The first claim of `identity` that `rule` refuses, or null when it matches.
 * The owner id is compared exactly (a recreated owner with the same name gets
 * a new id), the repository case-insensitively (GitHub's names are), the
 * workflow file exactly, the environment case-insensitively and only when the
 * rule names one.
 */
export function mismatchedClaim(rule: PublisherRule, identity: CiIdentity): string | null {
  if (rule.provider !== identity.provider) return 'iss';
  if (rule.ownerId !== identity.ownerId) return 'repository_owner_id';
  if (rule.repository.toLowerCase() !== identity.repository.toLowerCase()) return 'repository';
  if (!identity.workflow || rule.config.workflow_filename !== identity.workflow) return 'job_workflow_ref';
  const environment = rule.config.environment;
  if (environment && environment.toLowerCase() !== identity.environment.toLowerCase()) return 'environment';
  return null;
}
