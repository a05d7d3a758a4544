// Secrets sealed at rest and signatures, with WebCrypto as workerd provides it.
import { describe, expect, it } from 'vitest';
import doc from '../../docs/webhooks.md?raw';
import { verifyRavenSignature } from '../../scripts/lib/verify-webhook.mjs';
import exampleSource from '../../scripts/lib/verify-webhook.mjs?raw';
import {
  generateWebhookSecret,
  openSecret,
  SECRET_PREFIX,
  SIGNATURE_TOLERANCE_SECONDS,
  sealingKey,
  sealSecret,
  signatureHeader,
  verifySignature,
} from '../../src/lib/webhook-crypto';
import { backoffSeconds, MAX_RETRY_DELAY_SECONDS, outcomeOf } from '../../src/lib/webhook-retry';

const MASTER = 'master-secret-0123456789abcdef0123456789abcdef';

describe('webhook secrets', () => {
  it('are 32 random bytes behind a recognisable prefix', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(new RegExp(`^${SECRET_PREFIX}[A-Za-z0-9_-]{43}$`));
    expect(a).not.toBe(b);
  });

  it('seal and open round-trip; the sealed text does not contain the secret', async () => {
    const key = await sealingKey(MASTER);
    const secret = generateWebhookSecret();
    const sealed = await sealSecret(key, secret, 'webhook-1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(secret.slice(SECRET_PREFIX.length));
    expect(await openSecret(key, sealed, 'webhook-1')).toBe(secret);
    // A fresh IV every time.
    expect(await sealSecret(key, secret, 'webhook-1')).not.toBe(sealed);
  });

  it('a sealed secret opens only for its own webhook and key', async () => {
    const key = await sealingKey(MASTER);
    const sealed = await sealSecret(key, 'whsec_x', 'webhook-1');
    await expect(openSecret(key, sealed, 'webhook-2')).rejects.toThrow();
    const otherKey = await sealingKey(`${MASTER}-rotated`);
    await expect(openSecret(otherKey, sealed, 'webhook-1')).rejects.toThrow();
    await expect(openSecret(key, `v2${sealed.slice(2)}`, 'webhook-1')).rejects.toThrow();
  });
});

// A published test vector (docs/webhooks.md), computed independently with Python's hmac.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTr2UPFEL7rtE8m2PbnJcYsYMDk4mLuA',
  body: '{"id":"a297d10a-6c1c-4bde-8f53-5d2c3b0f7e21","event":"package.deprecated","package":"raven-store"}',
  t: 1764417600,
  header: 't=1764417600,v1=834c0d76d73225df7d016bfe27d36bf6eab50c5ff55a0625a7ead3d80b877ac0',
};

describe('delivery signatures', () => {
  const { secret, body, t, header } = VECTOR;
  const at = { nowSeconds: t + 10 };

  it('HMAC-SHA256 over "<t>.<body>", hex, in a t=,v1= header (the documented test vector)', async () => {
    expect(await signatureHeader(secret, body, t)).toBe(header);
  });

  it('signs with the current time by default', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = await signatureHeader(secret, body);
    const signedAt = Number(/^t=(\d+),v1=[0-9a-f]{64}$/.exec(signed)![1]);
    expect(Math.abs(signedAt - now)).toBeLessThanOrEqual(1);
    expect(await verifySignature(secret, body, signed)).toEqual({ ok: true, timestamp: signedAt });
  });

  it('accepts the untouched delivery', async () => {
    expect(await verifySignature(secret, body, header, at)).toEqual({ ok: true, timestamp: t });
  });

  it('refuses a tampered body, a wrong secret, or a tampered t', async () => {
    const mismatch = { ok: false, reason: 'signature_mismatch' };
    expect(await verifySignature(secret, body.replace('deprecated', 'published'), header, at)).toEqual(mismatch);
    expect(await verifySignature(`${secret}x`, body, header, at)).toEqual(mismatch);
    expect(await verifySignature(secret, `${body} `, header, at)).toEqual(mismatch);
    // Moving t (to dodge the replay window) breaks the MAC, even by one second.
    expect(await verifySignature(secret, body, header.replace(`t=${t}`, `t=${t + 1}`), at)).toEqual(mismatch);
  });

  it('refuses a genuine signature whose t is more than 5 minutes old (a replay)', async () => {
    expect(SIGNATURE_TOLERANCE_SECONDS).toBe(300);
    expect(await verifySignature(secret, body, header, { nowSeconds: t + 300 })).toMatchObject({ ok: true });
    expect(await verifySignature(secret, body, header, { nowSeconds: t + 301 })).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
    });
    const yesterday = await signatureHeader(secret, body, Math.floor(Date.now() / 1000) - 86_400);
    expect(await verifySignature(secret, body, yesterday)).toMatchObject({ reason: 'timestamp_too_old' });
  });

  it('refuses a t more than 5 minutes ahead of the receiver clock', async () => {
    expect(await verifySignature(secret, body, header, { nowSeconds: t - 300 })).toMatchObject({ ok: true });
    expect(await verifySignature(secret, body, header, { nowSeconds: t - 301 })).toEqual({
      ok: false,
      reason: 'timestamp_in_future',
    });
  });

  it('accepts when any of several v1 values matches (secret rotation), and only then', async () => {
    const other = await signatureHeader('whsec_old', body, t);
    const otherMac = other.slice(other.indexOf('v1='));
    const mine = header.slice(header.indexOf('v1='));
    expect(await verifySignature(secret, body, `t=${t},${otherMac},${mine}`, at)).toMatchObject({ ok: true });
    expect(await verifySignature(secret, body, `t=${t}, ${mine}, ${otherMac}`, at)).toMatchObject({ ok: true });
    expect(await verifySignature(secret, body, `t=${t},${otherMac},${otherMac}`, at)).toMatchObject({
      reason: 'signature_mismatch',
    });
    // Schemes it does not know are ignored, not fatal.
    expect(await verifySignature(secret, body, `t=${t},v0=abc,${mine}`, at)).toMatchObject({ ok: true });
  });

  it('refuses malformed headers', async () => {
    const mac = header.slice(header.indexOf('v1=') + 3);
    for (const bad of [
      undefined,
      null,
      '',
      `sha256=${mac}`, // the old scheme
      `v1=${mac}`, // no t
      `t=${t}`, // no v1
      `t=${t},v1=${mac.slice(1)}`, // short MAC
      `t=${t},v1=${mac}zz`,
      `t=abc,v1=${mac}`,
      `t=-${t},v1=${mac}`,
      `t=0${t},v1=${mac}`,
      `t=${t},t=${t},v1=${mac}`, // which t was signed?
      `t=${t};v1=${mac}`,
      `t=${t},v1=${mac},${'x'.repeat(5000)}`,
    ]) {
      expect(await verifySignature(secret, body, bad, at), String(bad)).toEqual({
        ok: false,
        reason: 'malformed_header',
      });
    }
  });
});

describe('retry schedule', () => {
  it('backs off by 4x from the base and caps at the queue maximum', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffSeconds(n, 30))).toEqual([30, 120, 480, 1920, 7680]);
    expect(backoffSeconds(7, 30)).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(backoffSeconds(3, 0)).toBe(0);
  });

  it('2xx succeeds; anything else retries until the last attempt fails', () => {
    const policy = { maxAttempts: 3, baseSeconds: 10 };
    expect(outcomeOf(1, 204, policy)).toEqual({ status: 'succeeded' });
    expect(outcomeOf(1, 500, policy)).toEqual({ status: 'pending', retryInSeconds: 10 });
    expect(outcomeOf(2, null, policy)).toEqual({ status: 'pending', retryInSeconds: 40 });
    expect(outcomeOf(2, 301, policy)).toEqual({ status: 'pending', retryInSeconds: 40 });
    expect(outcomeOf(3, 404, policy)).toEqual({ status: 'failed' });
    expect(outcomeOf(3, 200, policy)).toEqual({ status: 'succeeded' });
  });
});

describe('the Node receiver example in docs/webhooks.md', () => {
  const { secret, body, t, header } = VECTOR;

  it('accepts what the registry signs, now and with a Buffer body', async () => {
    const signed = await signatureHeader(secret, body);
    expect(verifyRavenSignature(body, signed, secret)).toBe(true);
    expect(verifyRavenSignature(Buffer.from(body), header, secret, t)).toBe(true);
  });

  it('refuses tampering, replays, clock-skewed t and malformed headers; takes any matching v1', async () => {
    expect(verifyRavenSignature(`${body} `, header, secret, t)).toBe(false);
    expect(verifyRavenSignature(body, header.replace(`t=${t}`, `t=${t + 1}`), secret, t)).toBe(false);
    expect(verifyRavenSignature(body, header, secret, t + 301)).toBe(false);
    expect(verifyRavenSignature(body, header, secret, t - 301)).toBe(false);
    expect(verifyRavenSignature(body, header, `${secret}x`, t)).toBe(false);
    for (const bad of [undefined, '', `t=${t}`, header.slice(header.indexOf('v1=')), `sha256=${'0'.repeat(64)}`]) {
      expect(verifyRavenSignature(body, bad, secret, t)).toBe(false);
    }
    const old = await signatureHeader('whsec_old', body, t);
    expect(verifyRavenSignature(body, `${old},${header.slice(header.indexOf('v1='))}`, secret, t)).toBe(true);
    expect(verifyRavenSignature(body, old, secret, t)).toBe(false);
  });

  it('is quoted in the doc verbatim', () => {
    expect(doc).toContain(exampleSource.trim());
  });
});
