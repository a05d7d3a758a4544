// Verifying a CI job's OpenID Connect ID token (trusted publishing) with jose
// against its issuer's published keys. Only configured issuers are trusted,
// only asymmetric algorithms are accepted (an HS256 token "signed" with a
// public key, or alg none, is refused before any key is looked at), and every
// refusal names the claim that failed, never the token.
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';

const OIDC_ALGORITHMS = ['RS256', 'ES256'];

/** Seconds of clock skew allowed between the CI provider and us. */
const CLOCK_TOLERANCE = 30;

/** A refused ID token: `claim` is what did not check out (`aud`, `exp`, `kid`, ...). */
export class OidcError extends Error {
  constructor(
    readonly claim: string,
    message: string,
  ) {
    super(message);
    this.name = 'OidcError';
  }
}

/** The issuer's keys could not be fetched: our side (or theirs) failed, not the caller. */
export class OidcUnavailableError extends Error {}

export interface OidcPolicy {
  /** Issuer -> JWKS URL. */
  issuers: Record<string, string>;
  audience: string;
  /** Accept http:// loopback issuers and key URLs (tests, the local stack). */
  allowLocal: boolean;
}

export interface VerifiedIdToken extends JWTPayload {
  iss: string;
  jti: string;
  exp: number;
  iat: number;
}

// One key set per JWKS URL per isolate: jose caches the keys and refetches
// them when a token names a `kid` it does not know (at most every 30 s).
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
function keySetFor(url: string) {
  let keySet = keySets.get(url);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000 });
    keySets.set(url, keySet);
  }
  return keySet;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why an issuer or key URL may not be used; null when it may. */
export function oidcUrlProblem(value: string, allowLocal: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && allowLocal && LOOPBACK.has(url.hostname)) return null;
  return 'must be https (http only for a loopback issuer with TRUSTED_PUBLISHING_ALLOW_LOCAL="true")';
}

const clip = (value: unknown) => String(value).slice(0, 100);

export async function verifyIdToken(jwt: string, policy: OidcPolicy, now = new Date()): Promise<VerifiedIdToken> {
  let alg: unknown;
  let iss: unknown;
  try {
    alg = decodeProtectedHeader(jwt).alg;
    iss = decodeJwt(jwt).iss;
  } catch {
    throw new OidcError('jwt', 'The ID token is not a JWT.');
  }
  if (typeof alg !== 'string' || !OIDC_ALGORITHMS.includes(alg)) {
    throw new OidcError('alg', `The ID token's "alg" (${clip(alg)}) is not accepted: RS256 or ES256 only.`);
  }
  const jwksUrl = typeof iss === 'string' ? policy.issuers[iss] : undefined;
  if (typeof iss !== 'string' || !Object.hasOwn(policy.issuers, iss) || !jwksUrl) {
    throw new OidcError('iss', `The ID token's "iss" (${clip(iss)}) is not a trusted-publishing issuer here.`);
  }
  if (oidcUrlProblem(iss, policy.allowLocal) || oidcUrlProblem(jwksUrl, policy.allowLocal)) {
    throw new OidcError('iss', `The issuer ${clip(iss)} is configured with a URL this registry may not use.`);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, keySetFor(jwksUrl), {
      algorithms: OIDC_ALGORITHMS,
      issuer: iss,
      audience: policy.audience,
      clockTolerance: CLOCK_TOLERANCE,
      currentDate: now,
      requiredClaims: ['jti', 'exp', 'iat'],
    }));
  } catch (err) {
    throw explain(err);
  }
  // jose checks `iat` only together with a maximum age; a token from the future is refused here.
  const iat = payload.iat as number;
  if (iat > now.getTime() / 1000 + CLOCK_TOLERANCE) {
    throw new OidcError('iat', 'The ID token\'s "iat" is in the future.');
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
    throw new OidcError('jti', 'The ID token\'s "jti" must be a non-empty string.');
  }
  return payload as VerifiedIdToken;
}

function explain(err: unknown): unknown {
  if (err instanceof errors.JWTExpired) return new OidcError('exp', 'The ID token has expired ("exp").');
  if (err instanceof errors.JWTClaimValidationFailed) {
    const claim = err.claim || 'claims';
    const why =
      claim === 'aud'
        ? "is not this registry's audience; request the token with this registry's audience"
        : claim === 'nbf'
          ? 'is in the future'
          : err.reason === 'missing'
            ? 'is missing'
            : 'is not acceptable';
    return new OidcError(claim, `The ID token's "${claim}" ${why}.`);
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new OidcError('kid', 'The ID token\'s "kid" names no key the issuer publishes.');
  }
  if (err instanceof errors.JWKSMultipleMatchingKeys) {
    return new OidcError('kid', 'The ID token\'s "kid" is ambiguous in the issuer\'s key set.');
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new OidcError('signature', "The ID token's signature does not verify.");
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new OidcError('alg', 'The ID token\'s "alg" is not accepted.');
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err instanceof TypeError) {
    return new OidcUnavailableError("The issuer's keys could not be fetched.");
  }
  if (err instanceof errors.JOSEError) return new OidcError('jwt', 'The ID token could not be verified.');
  return err;
}
