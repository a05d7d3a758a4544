// A typed client for the registry's JSON API, built from the app's own route
// types with Hono's `hc`: a renamed field or a wrong path in a test is a type
// error, not a test that silently checks `undefined`. Requests still go through
// the Worker's real fetch handler (every middleware, a fresh client IP each).
//
// Deliberately malformed requests (bodies the schemas refuse, odd headers) are
// outside the contract's types: send those with `callJson` from ./client.
import { exports } from 'cloudflare:workers';
import type { ClientResponse } from 'hono/client';
import { hc } from 'hono/client';
import type { SuccessStatusCode } from 'hono/utils/http-status';
import { expect } from 'vitest';
import { apiRoutes } from '../../src/app';
import { API, uniqueIp } from './client';
import type { ErrorBody } from './contract';

// The very chain src/app.ts mounts under /api/v1, for its types.
export { apiRoutes };

export type ApiRoutes = ReturnType<typeof apiRoutes>;

export interface ApiOptions {
  /** The client IP (CF-Connecting-IP); a fresh one per request by default. */
  ip?: string;
  headers?: Record<string, string>;
}

/** The typed client, as `token`'s holder (anonymous without one). */
export function api(token?: string, options: ApiOptions = {}) {
  return hc<ApiRoutes>(API, {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
    headers: () => ({
      ...options.headers,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      'cf-connecting-ip': options.ip ?? uniqueIp(),
    }),
  });
}

// Matches any of hc's response types.
type AnyResponse = ClientResponse<any, any, any>;

/** The JSON body a route answers with on success. */
type SuccessBody<R> =
  R extends ClientResponse<infer T, infer S, 'json'> ? (S extends SuccessStatusCode ? T : never) : never;

/** The JSON body a route answers with at `status`. */
export type BodyAt<R, S extends number> =
  R extends ClientResponse<infer T, infer U, 'json'> ? (U extends S ? T : never) : never;

/**
 * A reply as tests read it: the status, the parsed body and the raw response.
 * The body is typed as the route's success reply; error fields are there too
 * (optional), so one shape serves both outcomes without casts.
 */
export interface Reply<R> {
  status: number;
  body: SuccessBody<R> & Partial<ErrorBody>;
  res: Response;
}

/** Sends a typed request and reads its reply (JSON, or the text when it is not JSON). */
export async function read<R extends AnyResponse>(pending: Promise<R>): Promise<Reply<R>> {
  const res = (await pending) as unknown as Response;
  const text = await res.clone().text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body: body as Reply<R>['body'], res };
}

/** Sends a typed request, asserts its status, and returns the body typed as that status's reply. */
export async function expectReply<R extends AnyResponse, S extends number>(
  pending: Promise<R>,
  status: S,
): Promise<{ status: S; body: BodyAt<R, S>; res: Response }> {
  const reply = await read(pending);
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  return reply as unknown as { status: S; body: BodyAt<R, S>; res: Response };
}
