// Webhook secrets and signatures, WebCrypto only.
//
// The registry must sign with each webhook's secret, so it has to keep the
// secret, not a hash of it. It keeps it sealed: AES-256-GCM under a key derived
// with HKDF-SHA-256 from WEBHOOK_SECRET_KEY (required, no fallback to JWT_SECRET),
// with the webhook id as associated data so a sealed secret copied onto another
// row does not open. A database dump alone reveals no secret.
import { toHex } from './encoding';

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

/** `sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with the webhook secret>`. */
export async function signatureFor(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return `sha256=${toHex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)))}`;
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
