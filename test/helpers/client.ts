// Drives the Worker in-process (workerd) through its real fetch handler.
import { exports } from 'cloudflare:workers';

export const BASE = 'http://registry.test';
export const API = `${BASE}/api/v1`;

export interface CallOptions {
  method?: string;
  token?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  ip?: string;
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  headers.set('cf-connecting-ip', options.ip ?? uniqueIp());
  let body = options.body;
  if (options.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(options.json);
  }
  const url = path.startsWith('http')
    ? path
    : path.startsWith('/health') || path.startsWith('/docs')
      ? BASE + path
      : API + path;
  return exports.default.fetch(new Request(url, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body }));
}

export async function callJson<T = any>(
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; body: T; res: Response }> {
  const res = await call(path, options);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, res };
}

let ipCounter = 0;
/** A fresh client IP per call by default, so rate limits never couple unrelated tests. */
export function uniqueIp(): string {
  ipCounter += 1;
  const r = Math.floor(Math.random() * 250) + 1;
  return `10.${r}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}
