import { z } from '@hono/zod-openapi';
import { countStars, MAX_PATTERN_STARS } from '../lib/glob';
import { plainText } from '../lib/text-rules';
import { TOKEN_SCOPES } from '../lib/token-rules';
import { Id, Timestamp } from './common';

export const UsernameParam = z.object({
  username: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'username', in: 'path' }, example: 'ada' }),
});
export const TokenIdParam = z.object({
  token_id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'token_id', in: 'path' } }),
});

const ProfilePackage = z.object({
  name: z.string(),
  version: z.string(),
  downloads: z.number().int().nonnegative(),
  role: z.enum(['owner', 'maintainer']),
});

export const PublicProfile = z
  .object({
    username: z.string(),
    user_id: Id,
    joined_at: Timestamp,
    packages: z.array(ProfilePackage),
    total_downloads: z.number().int().nonnegative(),
  })
  .openapi('PublicProfile');

export const TokenInfo = z
  .object({
    token_id: Id,
    name: z.string(),
    kind: z.enum(['session', 'api', 'web']),
    scopes: z.array(z.string()),
    package_pattern: z.string(),
    created_at: Timestamp,
    /** "" when never used: the CLI reads strings strictly and never accepts null. */
    last_used: z.string(),
    expires_at: Timestamp,
  })
  .openapi('TokenInfo');

export const OwnProfile = PublicProfile.extend({ email: z.string(), tokens: z.array(TokenInfo) }).openapi('OwnProfile');

export const CreateTokenBody = z
  .object({
    name: plainText(z.string().trim().min(1).max(64)),
    expires_in_days: z.number().int().min(1).max(365).optional(),
    scopes: z.array(z.enum(TOKEN_SCOPES)).max(TOKEN_SCOPES.length).optional(),
    package_pattern: z
      .string()
      .regex(/^[a-z0-9*-]{1,64}$/, 'A package pattern uses lowercase letters, digits, "-" and "*".')
      // Matching is linear anyway; the cap keeps patterns readable and bounds the work per check.
      .refine((p) => countStars(p) <= MAX_PATTERN_STARS, `A package pattern has at most ${MAX_PATTERN_STARS} "*".`)
      .optional(),
  })
  .openapi('CreateTokenRequest');

export const CreatedToken = z
  .object({
    token: z.string(),
    token_id: Id,
    name: z.string(),
    created_at: Timestamp,
    expires_at: Timestamp,
    /** What the token was actually granted ([] = every scope its user has; "" = any package). */
    scopes: z.array(z.string()),
    package_pattern: z.string(),
  })
  .openapi('CreatedToken');

export const RevokedToken = z.object({ token_id: Id, revoked: z.literal(true) }).openapi('RevokedToken');
