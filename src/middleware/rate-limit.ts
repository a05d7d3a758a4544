// Rate limits: one RateLimiter Durable Object round trip per request and no
// database work. Buckets are chosen in src/lib/rate-limit-rules.ts from the
// rule the serving route declares (src/middleware/route-limits.ts):
//   rateLimit        - middleware on /api/v1/*: the request's general bucket
//                      (search per IP, signed-in per user, otherwise per IP);
//                      routes declared `rate: 'none'` (tarball downloads, login) skip it. A revoked token
//                      is charged to its IP's anonymous bucket and refused,
//                      like a bad one: the user's object remembers revocations
//                      (noteRevoked), so this costs no database work;
//   limitLogin       - called by the login handler: every attempt per IP, and
//                      per email only the failed ones (charged afterwards);
//   checkNewPackage  - called by publish before its upload when the name is new:
//                      refuses what limitNewPackage would, taking nothing;
//   limitNewPackage  - called by publish when it creates a new package name.
// Every response that consulted a bucket carries X-RateLimit-* for the tightest
// bucket it consulted; a refusal is 429 with `retry_after` and Retry-After.
//
// When the limiter cannot be reached:
//   - ordinary requests are served (fail open): the limiter protects capacity,
//     and refusing all traffic because of a limiter fault would turn its outage
//     into a full registry outage, the very thing it exists to prevent;
//   - login is refused with 503 (fail closed): its limit is the only thing that
//     stops online password guessing, and a login can be retried a moment later
//     at no cost, while a guess let through cannot be taken back;
//   - new package names are served (fail open): that limit only slows name
//     squatting, which owners and yanks can undo.
// Either way the failure is logged once per request with the request id.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { ApiError, unauthenticated } from '../errors';
import { humanDuration } from '../lib/duration';
import { log } from '../lib/log';
import {
  type Bucket,
  bucketKeys,
  loginBuckets,
  newPackageBucket,
  reportBucket,
  requestBucket,
} from '../lib/rate-limit-rules';
import { tightestOf, type Verdict } from '../lib/rate-limit-window';
import { routeLimitsOf } from './route-limits';

/** A healthy object answers in milliseconds; past this it counts as unreachable. */
const LIMITER_TIMEOUT_MS = 2_000;

type AnyContext = Context<AppEnv, any, any>;

interface RequestState {
  verdicts: Verdict[];
  failureLogged: boolean;
  /** The limiter already knew the presented token was revoked. */
  revokedSeen: boolean;
}

// Per-request bookkeeping keyed by Hono's request wrapper, so the handler-side
// limits and the middleware's headers meet without widening AppEnv. Not by
// the raw Request: the body cap swaps that for a counting one when a body
// comes without Content-Length, and the headers were lost with it.
const requests = new WeakMap<object, RequestState>();

function stateOf(c: AnyContext): RequestState {
  let state = requests.get(c.req);
  if (!state) {
    state = { verdicts: [], failureLogged: false, revokedSeen: false };
    requests.set(c.req, state);
  }
  return state;
}

export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const facts = { rule: routeLimitsOf(c).rate, userId: c.var.claims?.userId, ip: clientIp(c) };
  const claims = c.var.claims;
  let bucket = requestBucket(facts, c.var.config);
  let verdict: Verdict | undefined;
  if (bucket?.kind === 'user' && claims) {
    const answer = await takeOrLog<Verdict | 'revoked'>(c, bucket, 'open', async (stub, limit) => {
      const reply = await stub.takeUnlessRevoked(limit, claims.tokenId);
      return reply === 'revoked' ? reply : { ...reply };
    });
    if (answer === 'revoked') {
      // Not the owner's budget: whoever holds a revoked token is a stranger,
      // charged and then refused like one presenting a bad token.
      stateOf(c).revokedSeen = true;
      c.set('claims', undefined);
      c.set('tokenError', unauthenticated('The token has been revoked or has expired.'));
      bucket = requestBucket({ ...facts, userId: undefined }, c.var.config);
    } else {
      verdict = answer;
      bucket = null;
    }
  }
  if (bucket) verdict = await takeOrLog(c, bucket, 'open');
  if (verdict) enforce(c, verdict, 'Rate limit exceeded');
  await next();
  const tightest = tightestOf(stateOf(c).verdicts);
  if (tightest) for (const [name, value] of Object.entries(limitHeaders(tightest))) c.header(name, value);
});

/**
 * Call at the start of the login handler, before any password work: charges
 * the IP and refuses an IP or email that is out of attempts. The email bucket
 * is only looked at here; call `failed()` on the result when the password was
 * wrong, and that attempt is charged to the email then. So a user's own
 * successful logins never spend the email's budget.
 */
export async function limitLogin(c: AnyContext, email: string): Promise<{ failed(): Promise<void> }> {
  const buckets = loginBuckets(clientIp(c), email, c.var.config);
  const results = await Promise.allSettled([
    take(c.env, buckets.ip),
    ...buckets.failures.map((b) => take(c.env, b, (stub, limit) => stub.peek(limit))),
  ]);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) logFailure(c, 'login', 'closed', failure.reason);
  const verdicts = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  // A bucket that answered "no" is the better reply even when the other failed.
  const refused = tightestOf(verdicts.filter((v) => !v.allowed));
  if (refused) enforce(c, refused, 'Too many login attempts');
  if (failure) {
    throw new ApiError('service_unavailable', 'Login is briefly unavailable. Try again in a minute.', undefined, {
      'Retry-After': '60',
    });
  }
  for (const v of verdicts) enforce(c, v, 'Too many login attempts');
  return {
    async failed() {
      // The reply is a 401 either way: a refusal here only updates the headers.
      const charged = await Promise.all(buckets.failures.map((b) => takeOrLog(c, b, 'open')));
      for (const verdict of charged) if (verdict) stateOf(c).verdicts.push(verdict);
    },
  };
}

/**
 * Tells the owner's limiter object that a token is revoked, so requests still
 * carrying it are charged to their IP, not to the owner. Called after the
 * database revocation; if the object cannot be reached the revocation still
 * stands (requireAuth refuses the token) and requireAuth tries again on its
 * next use.
 */
export async function noteRevoked(
  c: AnyContext,
  userId: string,
  token: { tokenId: string; expiresAt: Date },
): Promise<void> {
  const bucket: Bucket = { key: bucketKeys.user(userId), limit: 1, kind: 'user' };
  await takeOrLog(c, bucket, 'open', (stub) => stub.revoke(token.tokenId, token.expiresAt.getTime()));
}

/** Whether the rate limiter already treated this request's token as revoked. */
export function limiterSawRevoked(c: AnyContext): boolean {
  return stateOf(c).revokedSeen;
}

/**
 * Call from publish only when the publish would create a new package name
 * (never for a new version of an existing package). Throws the 429 ApiError
 * when the user has created too many names this hour; fails open.
 */
export async function limitNewPackage(c: AnyContext, userId: string): Promise<void> {
  const verdict = await takeOrLog(c, newPackageBucket(userId, c.var.config), 'open');
  if (verdict) enforce(c, verdict, 'Too many new package names');
}

/**
 * The website's search page draws from the same per-IP search bucket as
 * GET /api/v1/search (pages skip the API middleware): otherwise a script could
 * run uncached searches through the page at no cost. Throws the 429 ApiError;
 * fails open. The page itself is cacheable, so it carries no X-RateLimit-*.
 */
export async function limitSearchPage(c: AnyContext): Promise<void> {
  const bucket = requestBucket({ rule: 'search', userId: undefined, ip: clientIp(c) }, c.var.config);
  const verdict = bucket ? await takeOrLog(c, bucket, 'open') : undefined;
  if (verdict) enforce(c, verdict, 'Too many searches');
}

/** Call before filing a report: throws the 429 ApiError past the user's hourly report limit; fails open. */
export async function limitReports(c: AnyContext, userId: string): Promise<void> {
  const verdict = await takeOrLog(c, reportBucket(userId, c.var.config), 'open');
  if (verdict) enforce(c, verdict, 'Too many reports');
}

/**
 * Call from publish before any upload when the name does not exist yet: throws
 * the same 429 as limitNewPackage would, but takes nothing, so racing first
 * publishes of one name are still charged once (by limitNewPackage, in the
 * transaction that creates it). Fails open.
 */
export async function checkNewPackage(c: AnyContext, userId: string): Promise<void> {
  const bucket = newPackageBucket(userId, c.var.config);
  const verdict = await takeOrLog(c, bucket, 'open', (stub, limit) => stub.peek(limit));
  if (verdict && !verdict.allowed) enforce(c, verdict, 'Too many new package names');
}

function clientIp(c: AnyContext): string | undefined {
  return c.req.header('cf-connecting-ip');
}

type Stub = ReturnType<Env['RATE_LIMITER']['get']>;
type LimiterCall<T> = (stub: Stub, limit: number) => Promise<T>;

/** One call to a bucket's object (by default `take`), given up after LIMITER_TIMEOUT_MS. */
async function take<T = Verdict>(env: Env, bucket: Bucket, call?: LimiterCall<T>): Promise<T> {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(bucket.key));
  const run: LimiterCall<T> = call ?? ((s, limit) => s.take(limit) as Promise<T>);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${LIMITER_TIMEOUT_MS} ms`)), LIMITER_TIMEOUT_MS);
  });
  try {
    return await Promise.race([run(stub, bucket.limit), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function takeOrLog<T = Verdict>(
  c: AnyContext,
  bucket: Bucket,
  policy: 'open',
  call?: LimiterCall<T>,
): Promise<T | undefined> {
  try {
    return await take(c.env, bucket, call);
  } catch (err) {
    logFailure(c, bucket.kind, policy, err);
    return undefined;
  }
}

/** Records the verdict for the response headers; throws the 429 when it refuses. */
function enforce(c: AnyContext, verdict: Verdict, what: string): void {
  stateOf(c).verdicts.push(verdict);
  if (verdict.allowed) return;
  const seconds = verdict.retryAfter;
  throw new ApiError(
    'rate_limit_exceeded',
    `${what}: the limit is ${verdict.limit} per hour. Try again in ${humanDuration(seconds)}.`,
    undefined,
    { ...limitHeaders(verdict), 'Retry-After': String(seconds) },
    { retry_after: seconds },
  );
}

function limitHeaders(v: Verdict): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(v.limit),
    'X-RateLimit-Remaining': String(v.remaining),
    'X-RateLimit-Reset': String(v.reset),
  };
}

function logFailure(c: AnyContext, bucket: string, policy: 'open' | 'closed', err: unknown): void {
  const state = stateOf(c);
  if (state.failureLogged) return;
  state.failureLogged = true;
  log.error('rate limiter unreachable', err, {
    request_id: c.get('requestId'),
    bucket,
    policy: policy === 'open' ? 'served (fail open)' : 'refused (fail closed)',
  });
}
