import { createHmac, timingSafeEqual } from 'node:crypto';

const TOLERANCE_SECONDS = 300;

/**
 * True when a delivery really comes from the registry and is fresh.
 * rawBody: the request body exactly as received (Buffer or string), before any JSON parsing.
 * header:  the X-Raven-Signature header, `t=<unix seconds>,v1=<hex>`.
 * secret:  the webhook's secret, `whsec_…`, exactly as the registry showed it.
 */
export function verifyRavenSignature(rawBody, header, secret, nowSeconds = Math.floor(Date.now() / 1000)) {
  let timestamp;
  const candidates = [];
  for (const part of String(header ?? '').split(',')) {
    const [key, value] = part.trim().split('=');
    if (key === 't' && /^\d+$/.test(value)) timestamp = value;
    if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  // Reject replays: a t more than 5 minutes from this machine's clock, either way.
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
  // Several v1 values appear while a secret is rotated: any match will do.
  return candidates.some((candidate) => timingSafeEqual(candidate, expected));
}
