// Trusted publishing: request and reply shapes. Strings are never null.
import { z } from '@hono/zod-openapi';
import { Id, pathParam, Timestamp } from './common';
import { NameParam } from './packages';

const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;

/** A GitHub Actions workflow allowed to publish. Ids are strings (GitHub's are 64-bit); numbers are accepted. */
const GitHubPublisherBody = z
  .object({
    provider: z.literal('github'),
    repository_owner: z
      .string()
      .regex(GITHUB_OWNER, 'A GitHub user or organisation name.')
      .openapi({ example: 'ravens' }),
    repository_owner_id: z
      .union([z.string(), z.number().int().positive()])
      .transform(String)
      .pipe(
        z.string().regex(/^[1-9][0-9]{0,19}$/, 'The owner\'s numeric GitHub id (api.github.com/users/<owner> "id").'),
      )
      .openapi({ type: 'string', example: '81234567' }),
    repository: z
      .string()
      .max(140)
      .openapi({ example: 'raven-store', description: 'The repository name, or `owner/name`.' }),
    workflow_filename: z
      .string()
      .regex(/^[^/\\]{1,250}\.ya?ml$/, 'The file name under .github/workflows/, e.g. "release.yml".')
      .openapi({ example: 'release.yml' }),
    environment: z.string().trim().min(1).max(255).optional().openapi({ example: 'release' }),
  })
  .superRefine((body, ctx) => {
    const [owner, name, ...rest] = body.repository.includes('/')
      ? body.repository.split('/')
      : [body.repository_owner, body.repository];
    if (rest.length > 0 || !name || !GITHUB_REPO.test(name)) {
      ctx.addIssue({ code: 'custom', path: ['repository'], message: 'A repository name, or owner/name.' });
    } else if (owner?.toLowerCase() !== body.repository_owner.toLowerCase()) {
      ctx.addIssue({ code: 'custom', path: ['repository'], message: 'The owner part must be repository_owner.' });
    }
  })
  .openapi('GitHubTrustedPublisherRequest');

/** One provider today; GitLab becomes a second member of this union. */
export const CreatePublisherBody = GitHubPublisherBody;
export type CreatePublisherInput = z.infer<typeof CreatePublisherBody>;

export const PublisherParam = NameParam.extend({ id: pathParam('id', 64).openapi({ format: 'uuid' }) });

export const PublisherReply = z
  .object({
    id: Id,
    provider: z.literal('github'),
    repository_owner: z.string(),
    repository_owner_id: z.string(),
    repository: z.string().openapi({ description: '`owner/name`.' }),
    workflow_filename: z.string(),
    environment: z.string().openapi({ description: '"" when any environment (or none) may publish.' }),
    created_at: Timestamp,
    created_by: z.string().openapi({ description: 'Username; "" if that account is gone.' }),
  })
  .openapi('TrustedPublisher');

export const PublishersReply = z
  .object({ name: z.string(), require_trusted_publishing: z.boolean(), publishers: z.array(PublisherReply) })
  .openapi('TrustedPublishers');

export const PublisherDeletedReply = z.object({ id: Id, deleted: z.literal(true) }).openapi('TrustedPublisherDeleted');

export const TrustedSettingsBody = z
  .object({ require_trusted_publishing: z.boolean() })
  .openapi('TrustedPublishingSettingsRequest');
export const TrustedSettingsReply = z
  .object({ name: z.string(), require_trusted_publishing: z.boolean() })
  .openapi('TrustedPublishingSettings');

export const ExchangeBody = z
  .object({ jwt: z.string().min(1).max(16_384).openapi({ description: "The CI job's OIDC ID token." }) })
  .openapi('TrustedPublishingExchangeRequest');

export const ExchangeReply = z
  .object({
    token: z.string().openapi({ description: 'A `rvn_` token: publish only, only these packages, 30 minutes.' }),
    expires_at: Timestamp,
    packages: z.array(z.string()),
  })
  .openapi('TrustedPublishingToken');

export const TrustedRevokedReply = z.object({ revoked: z.literal(true) }).openapi('TrustedTokenRevoked');
