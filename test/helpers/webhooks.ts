// Webhook tests: the receiver started by global-setup (real HTTP on
// 127.0.0.1; it verifies signatures itself once told a path's secret),
// signature checks as a receiver would do them, and waiting for the queue to
// deliver.
import { inject } from 'vitest';
import type { ReceivedRequest } from '../../scripts/lib/webhook-receiver.ts';
import { verifySignature } from '../../src/lib/webhook-crypto';
import { callJson } from './client';
import { unique } from './factories';

// Typed by hand: the ProvidedContext augmentation in global-setup.ts does not reach vitest 5's re-export.
const receiverBase = () => (inject as unknown as (key: string) => string)('webhookReceiver');

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

/** What a receiver does: the reference check (signature over `<t>.<body>`, `t` within 5 minutes). */
export async function signatureMatches(secret: string, rawBody: string, header: string | undefined): Promise<boolean> {
  return (await verifySignature(secret, rawBody, header)).ok;
}

/** From now on the receiver verifies what `path` receives with `secret` (ReceivedRequest.signature). */
async function verifyAt(path: string, secret: string): Promise<void> {
  const res = await fetch(`${receiverBase()}/__secret`, { method: 'POST', body: JSON.stringify({ path, secret }) });
  if (!res.ok) throw new Error(`receiver refused the secret: ${res.status}`);
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
  await verifyAt(endpoint.path, body.secret);
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
