// Secrets sealed at rest and signatures, with WebCrypto as workerd provides it.
import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  openSecret,
  SECRET_PREFIX,
  sealingKey,
  sealSecret,
  signatureFor,
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

  it('signs the exact body: HMAC-SHA256, hex, sha256= prefix (RFC 4231 test case 2)', async () => {
    expect(await signatureFor('Jefe', 'what do ya want for nothing?')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
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
