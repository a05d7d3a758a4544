// Webhook tests: the receiver started by global-setup (real HTTP on
// 127.0.0.1), signature checks as a receiver would do them, and waiting for
// the queue to deliver.
import { inject } from 'vitest';
import type { ReceivedRequest } from '../../scripts/lib/webhook-receiver.ts';
import { callJson } from './client';
import { unique } from './factories';

// Typed by hand: the ProvidedContext augmentation in global-setup.ts does not reach vitest 5's re-export.
export const receiverBase = () => (inject as unknown as (key: string) => string)('webhookReceiver');

export type { ReceivedRequest } from '../../scripts/lib/webhook-receiver.ts';

/** A fresh receiver path (so tests never see each other's deliveries) and its full URL. */
export function receiverEndpoint(prefix = 'hook'): { path: string; url: string } {
  const path = `/${unique(prefix)}`;
  return { path, url: `${receiverBase()}${path}` };
}

export async function received(path: string): Promise<ReceivedRequest[]> {
  const res = await fetch(`${receiverBase()}/__requests?path=${encodeURIComponent(path)}`);
  const body = (await res.json()) as { requests: ReceivedRequest[] };
  return body.requests;
}

/** The next `times` requests to `path` fail with `status`, or go unanswered for `delayMs`. */
export async function failNext(path: string, times: number, options: { status?: number; delayMs?: number } = {}) {
  const res = await fetch(`${receiverBase()}/__fail`, {
    method: 'POST',
    body: JSON.stringify({ path, times, status: options.status, delay_ms: options.delayMs }),
  });
  if (!res.ok) throw new Error(`receiver refused the failure plan: ${res.status}`);
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until `path` has received at least `count` requests. */
export function waitForRequests(path: string, count = 1, timeoutMs = 15_000): Promise<ReceivedRequest[]> {
  return waitFor(
    async () => {
      const list = await received(path);
      return list.length >= count ? list : undefined;
    },
    timeoutMs,
    `${count} request(s) at ${path}`,
  );
}

/** What a receiver does: HMAC-SHA256 the raw body with the secret and compare in constant time. */
export async function signatureMatches(secret: string, rawBody: string, header: string | undefined): Promise<boolean> {
  if (!header?.startsWith('sha256=')) return false;
  const hex = header.slice('sha256='.length);
  if (!/^[0-9a-f]{64}$/.test(hex)) return false;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const signature = Uint8Array.from(hex.match(/../g)!.map((h) => Number.parseInt(h, 16)));
  return crypto.subtle.verify('HMAC', key, signature, new TextEncoder().encode(rawBody));
}

export interface CreatedWebhook {
  id: string;
  url: string;
  events: string[];
  secret: string;
  path: string;
}

/** Creates a webhook pointing at a fresh receiver path; fails loudly unless 201. */
export async function createWebhook(token: string, name: string, events?: string[]): Promise<CreatedWebhook> {
  const endpoint = receiverEndpoint(name.slice(0, 20));
  const { status, body } = await callJson(`/packages/${name}/webhooks`, {
    token,
    json: { url: endpoint.url, ...(events ? { events } : {}) },
  });
  if (status !== 201) throw new Error(`webhook create failed: ${status} ${JSON.stringify(body)}`);
  return { ...body, path: endpoint.path };
}

export async function deliveriesOf(token: string, name: string, webhookId: string) {
  const { status, body } = await callJson(`/packages/${name}/webhooks/${webhookId}/deliveries`, { token });
  if (status !== 200) throw new Error(`deliveries failed: ${status} ${JSON.stringify(body)}`);
  return body.deliveries as {
    delivery_id: string;
    event_id: string;
    event: string;
    version: string;
    status: string;
    created_at: string;
    completed_at: string;
    attempts: { attempt: number; started_at: string; duration_ms: number; status_code: number; error: string }[];
  }[];
}
