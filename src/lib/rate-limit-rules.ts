// Which bucket a request draws from: pure, so the routing of limits is unit tested.
import type { Config } from '../config';
import { ipv6Groups } from './ip';

export interface Bucket {
  /** Durable Object name; one object per key. */
  key: string;
  limit: number;
  /** For logs: which rule applied, never the key itself (it holds IPs and emails). */
  kind:
    | 'anon'
    | 'install'
    | 'user'
    | 'search'
    | 'login-ip'
    | 'login-email'
    | 'login-email-all'
    | 'new-package'
    | 'report';
}

/** Durable Object names. The prefixes keep buckets of different rules apart. */
export const bucketKeys = {
  anon: (ip: string) => `anon:${clientKey(ip)}`,
  install: (ip: string) => `install:${clientKey(ip)}`,
  user: (userId: string) => `user:${userId}`,
  search: (ip: string) => `search:${clientKey(ip)}`,
  loginIp: (ip: string) => `login-ip:${clientKey(ip)}`,
  /** Failed logins for one email from one client. */
  loginEmail: (email: string, ip: string) => `login-email:${clientKey(ip)}:${email.trim().toLowerCase()}`,
  /** Failed logins for one email from everywhere: the ceiling on distributed guessing. */
  loginEmailAll: (email: string) => `login-email-all:${email.trim().toLowerCase()}`,
  newPackage: (userId: string) => `new-package:${userId}`,
  report: (userId: string) => `report:${userId}`,
};

type Limits = Pick<
  Config,
  | 'RATE_LIMIT_ANON_PER_HOUR'
  | 'RATE_LIMIT_INSTALL_PER_HOUR'
  | 'RATE_LIMIT_AUTH_PER_HOUR'
  | 'RATE_LIMIT_SEARCH_PER_HOUR'
  | 'RATE_LIMIT_LOGIN_PER_HOUR'
  | 'RATE_LIMIT_NEW_PACKAGES_PER_HOUR'
>;

/**
 * general - the request's ordinary bucket: the user's when signed in, else the IP's;
 * install - like general, but anonymous reads draw from the per-IP install bucket
 *           (what `raven pkg install` and resolvers read: a CI fleet behind one
 *           NAT address must not run out of the general anonymous budget);
 * search  - the per-IP search bucket, signed in or not (search costs more than a lookup);
 * none    - the middleware never calls the limiter: tarball downloads are never
 *           limited, and login limits itself in its handler (the email is in the body).
 */
export type RateRule = 'general' | 'install' | 'search' | 'none';

export interface RequestFacts {
  /** What the serving route declared (`limited` in src/middleware/route-limits.ts). */
  rule: RateRule;
  /** From a bearer token whose signature checked out. */
  userId: string | undefined;
  /** `CF-Connecting-IP`. */
  ip: string | undefined;
}

/**
 * The general bucket for a request, or null when the middleware must not call
 * the limiter at all (rule `none`: tarball downloads, and login, which limits
 * itself per IP and per email in its handler). Anonymous install-path reads
 * draw from their own per-IP bucket; signed-in ones from the user's, like
 * everything else a user does.
 */
export function requestBucket(req: RequestFacts, limits: Limits): Bucket | null {
  if (req.rule === 'none') return null;
  const ip = req.ip ?? '';
  if (req.rule === 'search')
    return { key: bucketKeys.search(ip), limit: limits.RATE_LIMIT_SEARCH_PER_HOUR, kind: 'search' };
  if (req.userId) return { key: bucketKeys.user(req.userId), limit: limits.RATE_LIMIT_AUTH_PER_HOUR, kind: 'user' };
  if (req.rule === 'install')
    return { key: bucketKeys.install(ip), limit: limits.RATE_LIMIT_INSTALL_PER_HOUR, kind: 'install' };
  return { key: bucketKeys.anon(ip), limit: limits.RATE_LIMIT_ANON_PER_HOUR, kind: 'anon' };
}

/** How many times the per-client failure limit all clients together may fail for one email. */
const LOGIN_EMAIL_ALL_FACTOR = 10;

/**
 * Login buckets: every attempt from a client (`ip`), and failed attempts for
 * an email — per client at the login limit, and from all clients together at
 * ten times it. Keying the first failure bucket on the client too is what
 * stops a stranger's ten wrong guesses from locking the owner out of a correct
 * login from another address; the all-clients bucket still caps a distributed
 * guesser at a few hundred tries a hour.
 */
export function loginBuckets(
  ip: string | undefined,
  email: string,
  limits: Limits,
): { ip: Bucket; failures: [Bucket, Bucket] } {
  const limit = limits.RATE_LIMIT_LOGIN_PER_HOUR;
  return {
    ip: { key: bucketKeys.loginIp(ip ?? ''), limit, kind: 'login-ip' },
    failures: [
      { key: bucketKeys.loginEmail(email, ip ?? ''), limit, kind: 'login-email' },
      { key: bucketKeys.loginEmailAll(email), limit: limit * LOGIN_EMAIL_ALL_FACTOR, kind: 'login-email-all' },
    ],
  };
}

export function newPackageBucket(userId: string, limits: Limits): Bucket {
  return { key: bucketKeys.newPackage(userId), limit: limits.RATE_LIMIT_NEW_PACKAGES_PER_HOUR, kind: 'new-package' };
}

/** Reports filed by one user: operators read every one, so a flood costs people, not just capacity. */
export function reportBucket(userId: string, limits: Pick<Config, 'RATE_LIMIT_REPORTS_PER_HOUR'>): Bucket {
  return { key: bucketKeys.report(userId), limit: limits.RATE_LIMIT_REPORTS_PER_HOUR, kind: 'report' };
}

/**
 * The client part of a key. IPv4 as is. IPv6 by its /64: one subscriber usually
 * holds a whole /64, so keying the full address would hand out 2^64 buckets.
 * Without the header (never behind Cloudflare) everyone shares `unknown`.
 */
export function clientKey(ip: string): string {
  const raw = ip.trim().toLowerCase();
  if (!raw) return 'unknown';
  if (!raw.includes(':')) return raw;
  const groups = ipv6Groups(raw);
  if (!groups) return raw.slice(0, 64);
  // IPv4-mapped (::ffff:a.b.c.d) is an IPv4 client.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
