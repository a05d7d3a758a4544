// Webhook secrets and signatures, WebCrypto only.
//
// The registry must sign with each webhook's secret, so it has to keep the
// secret, not a hash of it. It keeps it sealed: AES-256-GCM under a key derived
// with HKDF-SHA-256 from WEBHOOK_SECRET_KEY (required, no fallback to JWT_SECRET),
// with the webhook id as associated data so a sealed secret copied onto another
// row does not open. A database dump alone reveals no secret.
//
// Deliveries are signed Stripe-style (signatureHeader) and verifySignature is
// the reference check a receiver makes. Node runs this file too (the test
// receiver, scripts/lib/webhook-receiver.ts), so its imports carry extensions.
import { toHex } from './encoding.ts';

export const SECRET_PREFIX = 'whsec_';
const SEALED_VERSION = 'v1';
const HKDF_SALT = new TextEncoder().encode('raven-registry');
const HKDF_INFO = new TextEncoder().encode('webhook-secret-encryption/v1');

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
}

const keys = new Map<string, Promise<CryptoKey>>();

/** The AES-GCM key for a master secret; derived once per isolate. */
export function sealingKey(master: string): Promise<CryptoKey> {
  let key = keys.get(master);
  if (!key) {
    key = crypto.subtle
      .importKey('raw', new TextEncoder().encode(master), 'HKDF', false, ['deriveKey'])
      .then((ikm) =>
        crypto.subtle.deriveKey(
          { name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: HKDF_INFO },
          ikm,
          { name: 'AES-GCM', length: 256 },
          false,
          ['encrypt', 'decrypt'],
        ),
      );
    keys.set(master, key);
  }
  return key;
}

/** `v1.<iv>.<ciphertext+tag>`, base64url; `context` (the webhook id) is bound as associated data. */
export async function sealSecret(key: CryptoKey, secret: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) },
    key,
    new TextEncoder().encode(secret),
  );
  return `${SEALED_VERSION}.${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
}

/** Throws when the text was not sealed by this key for this context. */
export async function openSecret(key: CryptoKey, sealedText: string, context: string): Promise<string> {
  const [version, iv, data] = sealedText.split('.');
  if (version !== SEALED_VERSION || !iv || !data) throw new Error('unrecognised sealed secret');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64url(iv), additionalData: new TextEncoder().encode(context) },
    key,
    fromBase64url(data),
  );
  return new TextDecoder().decode(plain);
}

/** How far a delivery's `t` may be from the receiver's clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const hmacKey = (secret: string, usage: 'sign' | 'verify') =>
  crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);

/**
 * `X-Raven-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
 * keyed with the webhook secret (its UTF-8 bytes, `whsec_` included). The
 * timestamp is inside the MAC, so a captured delivery cannot be replayed later
 * with a fresh `t`; each attempt is signed at the moment it is sent.
 */
export async function signatureHeader(
  secret: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret, 'sign'),
    new TextEncoder().encode(`${timestamp}.${body}`),
  );
  return `t=${timestamp},v1=${toHex(mac)}`;
}

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed_header' | 'signature_mismatch' | 'timestamp_too_old' | 'timestamp_in_future' };

/**
 * The reference receiver check. `rawBody` is the body exactly as received,
 * before any JSON parsing. Accepts when any `v1` in the header (several appear
 * while a secret is rotated) is the MAC of `<t>.<rawBody>` and `t` is within
 * `toleranceSeconds` of `nowSeconds`. WebCrypto's verify compares in constant
 * time; unknown keys (future schemes) are ignored.
 */
export async function verifySignature(
  secret: string,
  rawBody: string,
  header: string | null | undefined,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): Promise<SignatureCheck> {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed_header' };
  const key = await hmacKey(secret, 'verify');
  const signed = new TextEncoder().encode(`${parsed.t}.${rawBody}`);
  let matched = false;
  for (const mac of parsed.v1) {
    // Every candidate is checked, so timing does not tell which one matched.
    if (await crypto.subtle.verify('HMAC', key, mac, signed)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'signature_mismatch' };
  const timestamp = Number(parsed.t);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (timestamp < now - tolerance) return { ok: false, reason: 'timestamp_too_old' };
  if (timestamp > now + tolerance) return { ok: false, reason: 'timestamp_in_future' };
  return { ok: true, timestamp };
}

/** Exactly one `t` (decimal seconds) and at least one well-formed `v1`; anything else is malformed. */
function parseSignatureHeader(header: string | null | undefined): { t: string; v1: Uint8Array<ArrayBuffer>[] } | null {
  if (!header || header.length > 4096) return null;
  let t: string | undefined;
  const v1: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined || !/^[1-9][0-9]{0,11}$/.test(value)) return null;
      t = value;
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return null;
      v1.push(Uint8Array.from(value.match(/../g)!, (h) => Number.parseInt(h, 16)));
    }
  }
  return t !== undefined && v1.length > 0 ? { t, v1 } : null;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
