// A stand-in OIDC issuer for tests and the local stack: it holds an RS256 and
// an ES256 key pair and serves their public halves as a JWKS, the way GitHub
// Actions serves https://token.actions.githubusercontent.com/.well-known/jwks.
// The private keys (JWK) are handed to whoever signs ID tokens (the tests).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface OidcIssuer {
  /** The issuer (`iss`), e.g. http://127.0.0.1:PORT */
  url: string;
  jwksUrl: string;
  /** Private signing keys with `kid` and `alg` set. */
  privateKeys: JWK[];
  close(): Promise<void>;
}

async function keyPair(alg: 'RS256' | 'ES256', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const pub = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const priv = { ...(await exportJWK(privateKey)), kid, alg };
  return { pub, priv };
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const keys = [await keyPair('RS256', 'test-rs256'), await keyPair('ES256', 'test-es256')];
  const jwks = JSON.stringify({ keys: keys.map((k) => k.pub) });
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUrl: `${url}/.well-known/jwks`,
    privateKeys: keys.map((k) => k.priv),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
