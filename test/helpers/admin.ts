// Requests through the app with a purge-recording context (also edge-cache-purges.test.ts),
// and operator requests: the app called with ADMIN_USERNAMES (and any other var)
// set for that one request, through an execution context that records edge
// purges (Miniflare's has none). Operators are read per request, so each test
// names its own without touching the shared bindings.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { createApp } from '../../src/app';
import { API, BASE, uniqueIp } from './client';
import { createUser, type TestUser } from './factories';

const app = createApp();

export interface AdminSent {
  method?: string;
  token?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** Usernames to put in ADMIN_USERNAMES for this request. */
  operators?: string[];
  /** Other vars for this request, e.g. REGISTRY_READ_ONLY. */
  vars?: Record<string, string>;
}

/** One request (an /api/v1 path, or a site path starting with `site:`); the reply, its JSON or text, and purged tags. */
export async function adminCall(path: string, sent: AdminSent = {}) {
  const purged: string[][] = [];
  const real = createExecutionContext();
  const purge = async (options: CachePurgeOptions) => {
    purged.push(options.tags ?? []);
    return { success: true, errors: [] };
  };
  const ctx = {
    waitUntil: (p: Promise<unknown>) => real.waitUntil(p),
    passThroughOnException: () => {},
    props: {},
    cache: { purge, invalidate: purge },
  };
  const headers = new Headers(sent.headers);
  headers.set('cf-connecting-ip', uniqueIp());
  if (sent.token) headers.set('authorization', `Bearer ${sent.token}`);
  let body = sent.body;
  if (sent.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(sent.json);
  }
  const url = path.startsWith('site:') ? BASE + path.slice(5) : API + path;
  const vars = { ...sent.vars, ...(sent.operators ? { ADMIN_USERNAMES: sent.operators.join(',') } : {}) };
  const res = await app.request(url, { method: sent.method ?? 'GET', headers, body }, { ...env, ...vars }, ctx);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  await waitOnExecutionContext(real);
  return { status: res.status, body: json, text, res, purged };
}

/** A fresh user and the ADMIN_USERNAMES list that makes them an operator. */
export async function createOperator(): Promise<{ operator: TestUser; operators: string[] }> {
  const operator = await createUser('op');
  return { operator, operators: [operator.username] };
}
