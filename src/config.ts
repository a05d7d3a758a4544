// Tunables from Worker vars ([vars] in wrangler.toml, .dev.vars locally), parsed
// once per isolate. A missing or bad value is one ConfigError naming the
// variable and how to set it, logged once per isolate (not a ZodError or a
// stack per request); requests get the contract's opaque 500.
//
// Node scripts (scripts/lib/stack.ts) check the same rules before starting wrangler.
import { z } from 'zod';
import { log } from './lib/log.ts';

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const GITHUB_JWKS = `${GITHUB_ISSUER}/.well-known/jwks`;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** A "true"/"false" setting, as a boolean; unset means `fallback`. */
const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .optional()
    .default(fallback)
    .transform((v) => v === 'true');

/** Values in .dev.vars.example start with this: a copied example file must not become real secrets. */
const PLACEHOLDER_PREFIX = 'replace-with-';
export const SECRET_NAMES = ['JWT_SECRET', 'WEBHOOK_SECRET_KEY'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Why a secret's value is unusable, or undefined when it is fine. */
export function secretProblem(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return 'is missing';
  if (value.startsWith(PLACEHOLDER_PREFIX)) return 'is the .dev.vars.example placeholder';
  if (value.length < 32) return 'must be at least 32 characters';
  return undefined;
}

const secret = z.string().superRefine((value, ctx) => {
  const problem = secretProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const ConfigSchema = z.object({
  JWT_SECRET: z.string().optional().default('').pipe(secret),
  DATABASE_URL: z.string().min(1, 'is missing'),
  WS_PROXY: z.string().optional().default(''),
  // Single-statement reads over Neon's HTTP mode (one fetch each) instead of the WebSocket Pool.
  DB_HTTP_READS: flag('true'),
  NEON_HTTP_ENDPOINT: z
    .union([z.literal(''), z.url()])
    .optional()
    .default(''),
  TOKEN_TTL_DAYS: positiveInt(30),
  MAX_TARBALL_BYTES: positiveInt(50 * 1024 * 1024),
  RATE_LIMIT_ANON_PER_HOUR: positiveInt(60),
  /** Anonymous package info, version info and index reads, per client IP (the install path). */
  RATE_LIMIT_INSTALL_PER_HOUR: positiveInt(5000),
  RATE_LIMIT_AUTH_PER_HOUR: positiveInt(5000),
  RATE_LIMIT_SEARCH_PER_HOUR: positiveInt(100),
  RATE_LIMIT_LOGIN_PER_HOUR: positiveInt(10),
  RATE_LIMIT_NEW_PACKAGES_PER_HOUR: positiveInt(10),
  /** Package reports one user may file per hour. */
  RATE_LIMIT_REPORTS_PER_HOUR: positiveInt(10),
  // Webhooks. "true" only on the local stack and in tests: loopback targets (http too) are allowed.
  WEBHOOKS_ALLOW_LOCAL: flag('false'),
  /** Attempts per delivery before it is marked failed. */
  WEBHOOK_MAX_ATTEMPTS: positiveInt(8),
  /** Backoff after failed attempt n is base * 4^(n-1) seconds, capped at 12 hours. */
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().int().nonnegative().default(30),
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  /** Events per package in any rolling hour that are delivered; the rest are dropped (src/services/events.ts). */
  WEBHOOK_EVENTS_PER_PACKAGE_PER_HOUR: positiveInt(60),
  /**
   * Seals stored webhook secrets (HKDF -> AES-GCM). Optional for the rest of the
   * Worker; webhook work refuses to run without it (webhookSecretKey).
   */
  WEBHOOK_SECRET_KEY: z
    .string()
    .optional()
    .default('')
    .refine((v) => v === '' || !secretProblem(v), { error: (issue) => secretProblem(issue.input as string) }),
  // Trusted publishing (src/lib/oidc.ts). The audience CI jobs must request; empty means this registry's origin.
  TRUSTED_PUBLISHING_AUDIENCE: z.string().optional().default(''),
  /** JSON object: OIDC issuer -> its JWKS URL. */
  TRUSTED_PUBLISHING_ISSUERS: z
    .string()
    .optional()
    .default('')
    .transform((v, ctx) => {
      if (v.trim() === '') return { [GITHUB_ISSUER]: GITHUB_JWKS };
      try {
        return z.record(z.url(), z.url()).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'TRUSTED_PUBLISHING_ISSUERS must be a JSON object: issuer -> JWKS URL',
        });
        return z.NEVER;
      }
    }),
  // "true" only on the local stack and in tests: an http:// loopback issuer is accepted.
  TRUSTED_PUBLISHING_ALLOW_LOCAL: flag('false'),
  /** "true" during database maintenance: every write answers 503 with Retry-After (src/middleware/read-only.ts). */
  REGISTRY_READ_ONLY: flag('false'),
  /**
   * Comma-separated usernames of the registry's operators (takedowns, suspensions,
   * reserved names). Validated here; src/services/operators.ts re-reads the raw
   * binding on every request, so the cached config never hides a change.
   */
  ADMIN_USERNAMES: z
    .string()
    .optional()
    .default('')
    .refine((v) => v.split(',').every((n) => /^\s*([a-z0-9-]{1,32})?\s*$/.test(n)), {
      error: 'must be comma-separated lowercase usernames',
    }),
});

export type Config = z.infer<typeof ConfigSchema>;

/** How to give each variable a value, for the one-line error. */
function howToSet(name: string): string {
  if ((SECRET_NAMES as readonly string[]).includes(name)) {
    return `run \`npm run dev\` once to generate .dev.vars, or \`wrangler secret put ${name}\` in production`;
  }
  if (name === 'DATABASE_URL') {
    return 'the local stack sets it; in production `wrangler secret put DATABASE_URL` (the Neon connection string)';
  }
  return 'set it under [vars] in wrangler.toml (or in .dev.vars locally)';
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const logged = new Set<string>();

/** The error for a bad setting, logged as one JSON line the first time this isolate meets it. */
function configError(message: string): ConfigError {
  if (!logged.has(message)) {
    logged.add(message);
    log.error('invalid configuration', undefined, { error: message });
  }
  return new ConfigError(message);
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const name = String(issue.path[0] ?? 'configuration');
      // Our own messages read on from the name ("is missing"); zod's are wrapped.
      const problem = /^(is|must) /.test(issue.message) ? issue.message : `is invalid (${issue.message})`;
      return `${name} ${problem}: ${howToSet(name)}`;
    })
    .join('; ');
}

/** The parsed config, or the one-line description of every bad setting (for Node scripts). */
export function checkConfig(vars: object): { config: Config; error?: undefined } | { error: string } {
  const result = ConfigSchema.safeParse(vars);
  return result.success ? { config: result.data } : { error: describeIssues(result.error.issues) };
}

const cache = new WeakMap<object, Config>();

export function loadConfig(env: object): Config {
  let config = cache.get(env);
  if (!config) {
    const checked = checkConfig(env);
    if (checked.error !== undefined) throw configError(checked.error);
    config = checked.config;
    cache.set(env, config);
  }
  return config;
}

/** The master key for webhook secrets. No fallback to JWT_SECRET: one leaked secret must not open the other. */
export function webhookSecretKey(config: Config): string {
  if (config.WEBHOOK_SECRET_KEY === '') {
    throw configError(`WEBHOOK_SECRET_KEY is missing: ${howToSet('WEBHOOK_SECRET_KEY')}`);
  }
  return config.WEBHOOK_SECRET_KEY;
}
