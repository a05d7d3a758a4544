// Tunables from Worker vars ([vars] in wrangler.toml, .dev.vars locally), parsed
// once per isolate. Bad values fail loudly at the first request, not silently.
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const ConfigSchema = z.object({
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters'),
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required'),
  WS_PROXY: z.string().optional().default(''),
  // Single-statement reads over Neon's HTTP mode (one fetch each) instead of the WebSocket Pool.
  DB_HTTP_READS: z
    .enum(['true', 'false'])
    .optional()
    .default('true')
    .transform((v) => v === 'true'),
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
  // Webhooks. "true" only on the local stack and in tests: loopback targets (http too) are allowed.
  WEBHOOKS_ALLOW_LOCAL: z
    .enum(['true', 'false'])
    .optional()
    .default('false')
    .transform((v) => v === 'true'),
  /** Attempts per delivery before it is marked failed. */
  WEBHOOK_MAX_ATTEMPTS: positiveInt(8),
  /** Backoff after failed attempt n is base * 4^(n-1) seconds, capped at 12 hours. */
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().int().nonnegative().default(30),
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  /** Events per package in any rolling hour that are delivered; the rest are dropped (src/services/events.ts). */
  WEBHOOK_EVENTS_PER_PACKAGE_PER_HOUR: positiveInt(60),
  /** Seals stored webhook secrets (HKDF -> AES-GCM); empty means derive from JWT_SECRET. */
  WEBHOOK_SECRET_KEY: z
    .string()
    .optional()
    .default('')
    .refine((v) => v === '' || v.length >= 32, 'WEBHOOK_SECRET_KEY must be at least 32 characters'),
});

export type Config = z.infer<typeof ConfigSchema>;

const cache = new WeakMap<object, Config>();

export function loadConfig(env: Env): Config {
  let config = cache.get(env);
  if (!config) {
    config = ConfigSchema.parse(env);
    cache.set(env, config);
  }
  return config;
}
