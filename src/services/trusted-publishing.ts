// Trusted publishing: owners configure which CI workflows may publish a
// package; a CI job exchanges its OIDC ID token for a 30-minute token that can
// publish only the packages whose publisher matched, and records where the job
// came from. The ID token is verified in src/lib/oidc.ts, matched by the pure
// rules in src/lib/trusted-claims.ts; this file does the database work.
import { and, count, eq, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { iso, madeRowsJson } from '../db/fragments';
import { packages, trustedPublishers, trustedPublishingJtis, trustedTokens } from '../db/schema';
import type { AuthContext } from '../env';
import { ApiError, conflict, notFound } from '../errors';
import { OidcError, type OidcPolicy, OidcUnavailableError, verifyIdToken } from '../lib/oidc';
import {
  type CiIdentity,
  githubIdentity,
  mismatchedClaim,
  type PublisherRule,
  provenanceOf,
} from '../lib/trusted-claims';
import type { CreatePublisherInput } from '../schemas/trusted-publishing';
import { callerRole, lockAs, requireRole } from './access';
import { writeAudit } from './audit';
import { issueToken } from './tokens';

/** Minutes a minted token lives: long enough for a build and an upload, short enough to be worth little if leaked. */
const TRUSTED_TOKEN_MINUTES = 30;
/** Publishers per package: each one is a way in, and the exchange scans a repository owner's rows. */
const MAX_PUBLISHERS_PER_PACKAGE = 20;
/** Rows the exchange looks at for one repository owner or repository (this repository's own rows first). */
const MAX_CANDIDATES = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PublisherView {
  id: string;
  provider: 'github';
  repository_owner: string;
  repository_owner_id: string;
  repository: string;
  workflow_filename: string;
  environment: string;
  created_at: string;
  created_by: string;
}

const publisherJson = sql`json_build_object(
  'id', tp.id, 'provider', tp.provider,
  'repository_owner', coalesce(tp.config->>'repository_owner', ''), 'repository_owner_id', tp.owner_id,
  'repository', tp.repository, 'workflow_filename', coalesce(tp.config->>'workflow_filename', ''),
  'environment', coalesce(tp.config->>'environment', ''),
  'created_at', ${iso('tp.created_at')}, 'created_by', coalesce(u.username, ''))`;

const MANAGE = 'manage its trusted publishing';

/** A package's publishers and its "require trusted publishing" setting, in one statement; owners only. */
export async function listPublishers(db: Queryable, name: string, actor: AuthContext) {
  const result = await db.execute<{ role: string | null; required: boolean; publishers: PublisherView[] }>(sql`
    select ${callerRole(actor.userId)} as role, p.require_trusted_publishing as required,
      ${madeRowsJson('trusted_publishers', 'tp', publisherJson)} as publishers
    from packages p where p.name = ${name}`);
  const row = requireRole(name, result.rows[0], 'owner', MANAGE);
  return { name, require_trusted_publishing: row.required, publishers: row.publishers };
}

function storedFields(input: CreatePublisherInput) {
  const repoName = input.repository.includes('/') ? input.repository.split('/')[1] : input.repository;
  const config: Record<string, string> = {
    repository_owner: input.repository_owner,
    workflow_filename: input.workflow_filename,
  };
  if (input.environment) config.environment = input.environment;
  return {
    provider: input.provider,
    ownerId: input.repository_owner_id,
    repository: `${input.repository_owner}/${repoName}`,
    config,
  };
}

export async function createPublisher(
  db: Database,
  actor: AuthContext,
  name: string,
  input: CreatePublisherInput,
): Promise<PublisherView> {
  const fields = storedFields(input);
  try {
    return await db.transaction(async (tx) => {
      // Locked so the per-package bound holds under concurrent creates.
      const pkg = await lockAs(tx, name, actor, 'owner', MANAGE);
      const [existing] = await tx
        .select({ n: count() })
        .from(trustedPublishers)
        .where(eq(trustedPublishers.packageId, pkg.id));
      if ((existing?.n ?? 0) >= MAX_PUBLISHERS_PER_PACKAGE) {
        throw conflict(`"${name}" already has ${MAX_PUBLISHERS_PER_PACKAGE} trusted publishers; delete one first.`);
      }
      const [row] = await tx
        .insert(trustedPublishers)
        .values({ packageId: pkg.id, createdBy: actor.userId, ...fields })
        .returning({ id: trustedPublishers.id, createdAt: trustedPublishers.createdAt });
      if (!row) throw new Error('trusted publisher insert returned nothing');
      await writeAudit(tx, actor, {
        action: 'trusted_publisher.create',
        packageId: pkg.id,
        details: { publisher_id: row.id, provider: fields.provider, repository: fields.repository, ...fields.config },
      });
      return {
        id: row.id,
        provider: fields.provider,
        repository_owner: input.repository_owner,
        repository_owner_id: fields.ownerId,
        repository: fields.repository,
        workflow_filename: input.workflow_filename,
        environment: input.environment ?? '',
        created_at: row.createdAt.toISOString(),
        created_by: actor.username,
      };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'trusted_publishers_unique_key')) {
      throw conflict(`"${name}" already has this trusted publisher.`);
    }
    throw err;
  }
}

export async function deletePublisher(db: Database, actor: AuthContext, name: string, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', MANAGE);
    if (!UUID.test(id)) throw notFound(`"${name}" has no such trusted publisher.`);
    const [row] = await tx
      .delete(trustedPublishers)
      .where(and(eq(trustedPublishers.id, id), eq(trustedPublishers.packageId, pkg.id)))
      .returning({ repository: trustedPublishers.repository, config: trustedPublishers.config });
    if (!row) throw notFound(`"${name}" has no such trusted publisher.`);
    await writeAudit(tx, actor, {
      action: 'trusted_publisher.delete',
      packageId: pkg.id,
      details: { publisher_id: id, repository: row.repository, ...row.config },
    });
  });
}

export async function setRequireTrustedPublishing(
  db: Database,
  actor: AuthContext,
  name: string,
  required: boolean,
): Promise<void> {
  await db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', MANAGE);
    if (required) {
      // Requiring it with no publisher would leave nobody able to publish at all.
      const [existing] = await tx
        .select({ n: count() })
        .from(trustedPublishers)
        .where(eq(trustedPublishers.packageId, pkg.id));
      if ((existing?.n ?? 0) === 0) {
        throw conflict(`Add a trusted publisher to "${name}" before requiring trusted publishing.`);
      }
    }
    await tx.update(packages).set({ requireTrustedPublishing: required }).where(eq(packages.id, pkg.id));
    await writeAudit(tx, actor, {
      action: 'trusted_publishing.require',
      packageId: pkg.id,
      details: { require_trusted_publishing: required },
    });
  });
}

type Candidate = PublisherRule & {
  [column: string]: unknown;
  id: string;
  package_id: string;
  package_name: string;
  /** The owner a minted token acts for: the publisher's creator while still a member, else the first owner; never a suspended one. */
  act_as: string | null;
};

export interface Exchanged {
  token: string;
  expiresAt: Date;
  packages: string[];
}

const refusedToken = (err: OidcError) => new ApiError('authentication_required', err.message, { claim: err.claim });
const refusedMatch = (claim: string, message: string) => new ApiError('permission_denied', message, { claim });

/**
 * Verifies a CI ID token and swaps it for a trusted token for every package
 * whose publisher matches. 401 when the ID token itself is bad (signature,
 * issuer, audience, times, replay), 403 when it is good but no publisher
 * accepts it; either way `details.claim` names what did not match.
 */
export async function exchangeIdToken(
  db: Database,
  deps: { policy: OidcPolicy; jwtSecret: string; now?: Date },
  jwt: string,
): Promise<Exchanged> {
  let payload: Awaited<ReturnType<typeof verifyIdToken>>;
  let identity: CiIdentity;
  try {
    payload = await verifyIdToken(jwt, deps.policy, deps.now);
    identity = githubIdentity(payload);
  } catch (err) {
    if (err instanceof OidcError) throw refusedToken(err);
    if (err instanceof OidcUnavailableError) {
      throw new ApiError('service_unavailable', "The CI provider's signing keys could not be fetched; retry shortly.");
    }
    throw err;
  }

  const result = await db.query.execute<Candidate>(sql`
    select tp.id, tp.package_id, p.name as package_name, tp.provider, tp.owner_id as "ownerId",
      tp.repository, tp.config,
      -- A suspended account acts for nobody: its tokens would be refused on first use.
      coalesce(
        (select o.user_id from package_owners o join users u on u.id = o.user_id
          where o.package_id = p.id and o.user_id = tp.created_by and u.suspended_at is null),
        (select o.user_id from package_owners o join users u on u.id = o.user_id
          where o.package_id = p.id and o.role = 'owner' and u.suspended_at is null
          order by o.added_at, o.user_id limit 1)
      ) as act_as
    from trusted_publishers tp join packages p on p.id = tp.package_id
    where tp.provider = ${identity.provider}
      and (tp.owner_id = ${identity.ownerId} or lower(tp.repository) = lower(${identity.repository}))
    -- Rows for exactly this repository first, so near misses of a large owner cannot crowd them out.
    order by (tp.owner_id = ${identity.ownerId} and lower(tp.repository) = lower(${identity.repository})) desc,
      tp.created_at, tp.id
    limit ${MAX_CANDIDATES}`);
  const candidates = result.rows;
  const matched = candidates.filter((c) => mismatchedClaim(c, identity) === null && c.act_as !== null);
  if (matched.length === 0) throw explainNoMatch(candidates, identity);

  const provenance = provenanceOf(identity);
  const packageIds = [...new Set(matched.map((c) => c.package_id))];
  const names = [...new Set(matched.map((c) => c.package_name))].sort();
  const actAs = matched[0]?.act_as as string;
  const expiresAt = new Date((deps.now ?? new Date()).getTime() + TRUSTED_TOKEN_MINUTES * 60_000);

  return db.transaction(async (tx) => {
    // Single use: the primary key, not a prior SELECT, decides between two racing exchanges.
    const [fresh] = await tx
      .insert(trustedPublishingJtis)
      .values({ issuer: payload.iss, jti: payload.jti, expiresAt: new Date(payload.exp * 1000) })
      .onConflictDoNothing()
      .returning({ jti: trustedPublishingJtis.jti });
    if (!fresh)
      throw refusedToken(new OidcError('jti', 'The ID token\'s "jti" was already exchanged; request a new one.'));
    const issued = await issueToken(tx, deps.jwtSecret, {
      userId: actAs,
      // Run id first: names are capped at 64 characters and it is what tells two tokens apart.
      name: `CI run ${identity.runId} of ${identity.repository}`.slice(0, 64),
      kind: 'trusted',
      ttlDays: 0,
      expiresAt,
      scopes: ['publish'],
    });
    await tx.insert(trustedTokens).values({ tokenId: issued.tokenId, packageIds, provenance: { ...provenance } });
    const actor: AuthContext = {
      userId: actAs,
      username: '',
      tokenId: issued.tokenId,
      tokenKind: 'trusted',
      scopes: ['publish'],
      packagePattern: null,
    };
    for (const candidate of matched) {
      await writeAudit(tx, actor, {
        action: 'trusted_token.create',
        packageId: candidate.package_id,
        details: {
          publisher_id: candidate.id,
          token_id: issued.tokenId,
          expires_at: expiresAt.toISOString(),
          ...provenance,
        },
      });
    }
    return { token: issued.token, expiresAt, packages: names };
  });
}

const CLAIM_ORDER = ['repository_owner_id', 'repository', 'job_workflow_ref', 'environment'];

/**
 * The refusal for a valid ID token no publisher accepts. It names the claim
 * the nearest publisher (the one that agreed on the most) disagreed on, with
 * the token's own value: never the token, never the configuration.
 */
function explainNoMatch(candidates: Candidate[], identity: CiIdentity): ApiError {
  let nearest: { claim: string; pkg: string } | null = null;
  for (const c of candidates) {
    const claim = mismatchedClaim(c, identity) ?? 'owners';
    if (!nearest || CLAIM_ORDER.indexOf(claim) > CLAIM_ORDER.indexOf(nearest.claim)) {
      nearest = { claim, pkg: c.package_name };
    }
  }
  if (!nearest) {
    return refusedMatch('repository', `No package has a trusted publisher for the repository ${identity.repository}.`);
  }
  const where = `the trusted publisher of "${nearest.pkg}"`;
  switch (nearest.claim) {
    case 'repository_owner_id':
      return refusedMatch(
        nearest.claim,
        `The ID token's "repository_owner_id" (${identity.ownerId}) is not the owner id of ${where}: was the owner account deleted and recreated?`,
      );
    case 'repository':
      return refusedMatch(
        nearest.claim,
        `The ID token's "repository" (${identity.repository}) is not the repository of ${where}: a renamed repository needs its publisher updated.`,
      );
    case 'job_workflow_ref':
      return refusedMatch(
        nearest.claim,
        `The workflow file in the ID token's "job_workflow_ref" (${identity.workflow || 'unreadable'}) is not the workflow of ${where}.`,
      );
    case 'environment':
      return refusedMatch(
        nearest.claim,
        `The ID token's "environment" (${identity.environment || 'none'}) is not the environment of ${where}.`,
      );
    default:
      return refusedMatch('owners', `"${nearest.pkg}" has no owner left to act for (none, or only suspended ones).`);
  }
}

/** Forgets exchanged ID tokens that have expired (the cron calls this); bounded per call. */
export async function pruneUsedJtis(db: Queryable, limit = 5000): Promise<number> {
  const result = await db.execute<{ jti: string }>(sql`
    delete from trusted_publishing_jtis where (issuer, jti) in (
      select issuer, jti from trusted_publishing_jtis where expires_at < now() limit ${limit}::int)
    returning jti`);
  return result.rows.length;
}
