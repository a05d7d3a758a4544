// Registry tokens: HS256 JWTs (jose) with iss/aud/exp/jti, handed out with a
// recognisable `rvn_` prefix so secret scanners can spot a leaked one.
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

const TOKEN_PREFIX = 'rvn_';
const ISSUER = 'raven-registry';
const AUDIENCE = 'raven-registry-api';
const ALGORITHM = 'HS256';

const keys = new Map<string, Uint8Array>();
function keyFor(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}

export interface TokenClaims {
  userId: string;
  tokenId: string;
  expiresAt: Date;
}

export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.userId)
    .setJti(claims.tokenId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
    .sign(keyFor(secret));
  return TOKEN_PREFIX + jwt;
}

/** Verifies signature, algorithm, issuer, audience and expiry; returns null for any bad token. */
export async function verifyToken(
  token: string,
  secret: string,
): Promise<{ userId: string; tokenId: string; expiresAt: Date } | null> {
  const jwt = token.startsWith(TOKEN_PREFIX) ? token.slice(TOKEN_PREFIX.length) : token;
  try {
    const { payload } = await jwtVerify(jwt, keyFor(secret), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
      clockTolerance: 30,
      requiredClaims: ['sub', 'jti', 'exp'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number')
      return null;
    return { userId: payload.sub, tokenId: payload.jti, expiresAt: new Date(payload.exp * 1000) };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return null;
    throw err;
  }
}
