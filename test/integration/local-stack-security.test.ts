// The local stack is not an open door: a web page the developer has open can
// reach loopback ports, so the SQL-over-HTTP stand-in and the WebSocket proxy
// refuse anything a browser sends (it always carries Origin), answer no CORS,
// and the Worker's database role cannot reach beyond its tables.
import { env } from 'cloudflare:test';
import { NeonDbError, neon, neonConfig } from '@neondatabase/serverless';
import { describe, expect, it } from 'vitest';

neonConfig.fetchEndpoint = env.NEON_HTTP_ENDPOINT;
const sql = neon(env.DATABASE_URL);
const proxyBase = `http://${env.WS_PROXY.split('/')[0]}`;
const database = new URL(env.DATABASE_URL);

const sqlRequest = (headers: Record<string, string>, method = 'POST') =>
  fetch(env.NEON_HTTP_ENDPOINT, {
    method,
    headers: { 'Neon-Connection-String': env.DATABASE_URL, 'Content-Type': 'application/json', ...headers },
    body: method === 'POST' ? JSON.stringify({ query: 'select 1 as one', params: [] }) : undefined,
  });

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((key) => key.startsWith('access-control-'));

const upgrade = (headers: Record<string, string>) =>
  fetch(`${proxyBase}/v2?address=${database.hostname}:${database.port}`, {
    headers: { Upgrade: 'websocket', ...headers },
  });

async function sqlState(query: string): Promise<string> {
  try {
    await sql.query(query);
  } catch (err) {
    expect(err).toBeInstanceOf(NeonDbError);
    return (err as NeonDbError).code ?? '';
  }
  throw new Error(`expected ${query} to be refused`);
}

describe('the SQL-over-HTTP stand-in', () => {
  it('refuses any request carrying an Origin with a bare 403, and runs nothing', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:8787']) {
      const res = await sqlRequest({ Origin: origin });
      expect(res.status).toBe(403);
      expect(corsHeaders(res)).toEqual([]);
      expect(await res.text()).toBe('');
    }
  });

  it('answers a preflight with 403 and no CORS headers, and OPTIONS without Origin with no CORS either', async () => {
    const preflight = await sqlRequest(
      { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(403);
    expect(corsHeaders(preflight)).toEqual([]);
    const options = await sqlRequest({}, 'OPTIONS');
    expect(options.status).toBe(405);
    expect(corsHeaders(options)).toEqual([]);
  });

  it('serves the Worker (no Origin) without CORS headers', async () => {
    const res = await sqlRequest({});
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(((await res.json()) as { rows: unknown[] }).rows).toEqual([{ one: 1 }]);
  });
});

describe('the WebSocket proxy', () => {
  it('refuses an upgrade carrying an Origin (403, no socket), accepts the same one without', async () => {
    const refused = await upgrade({ Origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.webSocket).toBeNull();
    expect(corsHeaders(refused)).toEqual([]);

    const accepted = await upgrade({});
    expect(accepted.status).toBe(101);
    accepted.webSocket!.accept();
    accepted.webSocket!.close();
  });
});

describe("the Worker's database role", () => {
  it('is a plain role, not a superuser and not the owner', async () => {
    const [row] = await sql.query(
      'select current_user as name, rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user',
    );
    expect(row).toEqual({ name: 'raven_app', rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    expect(database.password).toMatch(/^[0-9a-f]{48}$/);
  });

  it('cannot run programs or read server files', async () => {
    // 42501: insufficient_privilege.
    expect(await sqlState("copy (select 1) to program 'true'")).toBe('42501');
    expect(await sqlState("select pg_read_file('postgresql.conf')")).toBe('42501');
    expect(await sqlState('create role intruder superuser')).toBe('42501');
  });

  it('can read and write the tables the owner migrated', async () => {
    const [row] = await sql.query('select count(*)::int >= 0 as ok from users');
    expect(row).toEqual({ ok: true });
  });
});
