// Operator routes (/admin/...): request bodies and replies.
import { z } from '@hono/zod-openapi';
import { hasPackageNameFormat } from '../lib/package-name';
import { plainText } from '../lib/text-rules';
import { isStrictSemver } from '../lib/versions';
import { Id, pathParam, Timestamp } from './common';

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const OperatorAuditReply = z
  .object({
    entries: z.array(
      z.object({
        id: Id,
        action: z.string(),
        actor: z.object({ username: z.string(), user_id: z.string() }),
        package: z.string(),
        version: z.string(),
        username: z.string(),
        name: z.string(),
        reason: z.string(),
        created_at: Timestamp,
      }),
    ),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('OperatorAudit');

const Reason = plainText(z.string().trim().min(1, 'Say why.').max(1000)).openapi({
  example: 'Malware: exfiltrates environment variables on install.',
});
const OptionalVersion = z
  .string()
  .refine(isStrictSemver, 'Versions are strict SemVer 2.0.0, e.g. "1.2.3" or "1.0.0-beta.1".')
  .optional()
  .openapi({ description: 'Omit to act on the whole package.' });

export const TakedownBody = z.object({ version: OptionalVersion, reason: Reason });
export const RestoreBody = z.object({
  version: OptionalVersion,
  reason: plainText(z.string().trim().max(1000)).optional().default(''),
});

export const TakedownReply = z
  .object({
    name: z.string(),
    version: z.string().openapi({ description: '"" for the whole package' }),
    taken_down: z.boolean(),
    reason: z.string(),
    taken_down_at: z.string().openapi({ description: '"" once restored' }),
  })
  .openapi('Takedown');

export const UsernameParam = z.object({ username: pathParam('username', 64) });
export const SuspendBody = z.object({ reason: Reason });
export const UnsuspendBody = z.object({ reason: plainText(z.string().trim().max(1000)).optional().default('') });
export const SuspensionReply = z
  .object({
    username: z.string(),
    suspended: z.boolean(),
    reason: z.string(),
    suspended_at: z.string().openapi({ description: '"" when not suspended' }),
    tokens_revoked: z.number().int(),
  })
  .openapi('Suspension');

export const ReservedNameParam = z.object({
  name: pathParam('name', 128, 'raven-core').refine(
    hasPackageNameFormat,
    'Package names are lowercase letters, digits and single "-", starting with a letter.',
  ),
});
export const ReserveBody = z.object({
  reason: Reason,
  expires_at: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Omit to reserve until released.', example: '2027-01-01T00:00:00.000Z' }),
});
const ReservedName = z.object({
  name: z.string(),
  reason: z.string(),
  reserved_by: z.string(),
  created_at: Timestamp,
  expires_at: z.string().openapi({ description: '"" when reserved until released' }),
});
export const ReservedNameReply = ReservedName.openapi('ReservedName');
export const ReservedNamesReply = z
  .object({ reserved_names: z.array(ReservedName), limit: z.number().int(), offset: z.number().int() })
  .openapi('ReservedNames');
export const ReleasedReply = z.object({ name: z.string(), released: z.literal(true) }).openapi('ReleasedName');
