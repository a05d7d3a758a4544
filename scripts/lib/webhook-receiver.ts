// A tiny webhook receiver for tests and local development: it records every
// request to any path and answers 200, unless told to fail the next N requests
// to a path (with a status, or by not answering within a delay). Given a
// path's webhook secret, it checks each request's X-Raven-Signature the way a
// real receiver must (the reference verifier, against this machine's clock).
//
// Control and inspection (JSON):
//   GET    /__requests?path=/p   -> {requests: [{method, path, headers, body, received_at, status, signature}]}
//   POST   /__fail  {path, times, status?=500, delay_ms?=0}
//   POST   /__secret {path, secret}  verify what /p receives from now on
//   DELETE /__requests?path=/p   forget what /p received, any failure plan and its secret
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/lib/webhook-crypto.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  received_at: string;
  /** What the receiver answered (0: it never answered in time for the sender). */
  status: number;
  /** `ok` or why verifySignature refused it; null when no secret was registered for the path. */
  signature: string | null;
}

interface FailurePlan {
  times: number;
  status: number;
  delayMs: number;
}

export interface WebhookReceiver {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function checkSignature(secret: string | undefined, body: string, header: string | undefined) {
  if (secret === undefined) return null;
  const check = await verifySignature(secret, body, header);
  return check.ok ? 'ok' : check.reason;
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const received = new Map<string, ReceivedRequest[]>();
  const failures = new Map<string, FailurePlan>();
  const secrets = new Map<string, string>();

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const body = await readBody(req);
      if (url.pathname === '/__requests') {
        const path = url.searchParams.get('path') ?? '';
        if (req.method === 'DELETE') {
          received.delete(path);
          failures.delete(path);
          secrets.delete(path);
          return json(res, 200, { cleared: path });
        }
        return json(res, 200, { requests: received.get(path) ?? [] });
      }
      if (url.pathname === '/__fail' && req.method === 'POST') {
        const plan = JSON.parse(body) as { path: string; times: number; status?: number; delay_ms?: number };
        failures.set(plan.path, { times: plan.times, status: plan.status ?? 500, delayMs: plan.delay_ms ?? 0 });
        return json(res, 200, { ok: true });
      }
      if (url.pathname === '/__secret' && req.method === 'POST') {
        const { path, secret } = JSON.parse(body) as { path: string; secret: string };
        secrets.set(path, secret);
        return json(res, 200, { ok: true });
      }

      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[key] = value;
      }
      const record: ReceivedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        headers,
        body,
        received_at: new Date().toISOString(),
        status: 200,
        signature: await checkSignature(secrets.get(url.pathname), body, headers['x-raven-signature']),
      };
      const list = received.get(url.pathname) ?? [];
      list.push(record);
      received.set(url.pathname, list);

      const plan = failures.get(url.pathname);
      if (plan && plan.times > 0) {
        plan.times -= 1;
        if (plan.delayMs > 0) {
          record.status = 0;
          await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
          if (!res.destroyed) res.writeHead(200).end('late');
          return;
        }
        record.status = plan.status;
        res.writeHead(plan.status, { 'content-type': 'text/plain' }).end('planned failure');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } catch (err) {
      if (!res.headersSent) json(res, 400, { error: String(err) });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
