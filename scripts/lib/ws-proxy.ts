// A tiny WebSocket -> TCP bridge so the Neon serverless driver (which speaks the
// Postgres wire protocol over a WebSocket) can reach a plain local Postgres, and
// on the same port the stand-in for Neon's SQL-over-HTTP endpoint (POST /sql,
// see sql-over-http.ts) that `neon()` and drizzle-orm/neon-http use.
// Both only ever connect to the one Postgres they were started for.
//
// Not an open door: a web page the developer has open can reach loopback ports.
// Browsers put an Origin header on every cross-origin request and on every
// WebSocket handshake; workerd and Node (the only real clients) send none. So
// anything with an Origin, or addressed by a name other than loopback (DNS
// rebinding), gets a bare 403 before it can reach Postgres, and no reply
// carries CORS headers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { WebSocketServer as WSS } from 'ws';
import { createSqlOverHttp, SQL_PATH, type SqlOverHttp } from './sql-over-http.ts';

// `ws` resolves to its browser stub under some bundler conditions; require() gets the Node build.
const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof import('ws');

export interface WsProxy {
  /** Value for the Worker's WS_PROXY variable: host:port/path, no scheme. */
  address: string;
  /** Value for the Worker's NEON_HTTP_ENDPOINT variable (neonConfig.fetchEndpoint): a full http:// URL. */
  httpEndpoint: string;
  port: number;
  server: Server;
  sqlOverHttp: SqlOverHttp;
  close(): Promise<void>;
}

export interface ProxyTarget {
  host: string;
  port: number;
  /** When given, the SQL-over-HTTP stand-in opens its warm connections with these credentials at start. */
  databaseUrl?: string;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for requests a browser page could have made; those are refused. */
function fromBrowser(req: IncomingMessage): boolean {
  if (req.headers.origin !== undefined) return true;
  const host = req.headers.host;
  if (host === undefined) return false;
  try {
    return !LOOPBACK_NAMES.has(new URL(`http://${host}`).hostname);
  } catch {
    return true;
  }
}

export async function startWsProxy(target: ProxyTarget, port = 0): Promise<WsProxy> {
  const sqlOverHttp = createSqlOverHttp({ host: target.host, port: target.port });
  const server = createServer((req, res) => {
    if (fromBrowser(req)) res.writeHead(403, { Connection: 'close' }).end();
    else if (!sqlOverHttp.handle(req, res)) res.writeHead(404).end();
  });
  // Many concurrent keep-alive fetches from workerd; no reason to cap or time them out early.
  server.keepAliveTimeout = 60_000;
  const wss: WSS = new WebSocketServer({
    server,
    // Refused before the handshake completes: the page never gets a socket.
    verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, code?: number) => void) =>
      done(!fromBrowser(info.req), 403),
  });
  const allowed = new Set([`${target.host}:${target.port}`, `localhost:${target.port}`]);

  wss.on('connection', (ws, req: IncomingMessage) => {
    const address = new URL(req.url ?? '/', 'http://proxy').searchParams.get('address') ?? '';
    if (!allowed.has(address)) {
      ws.close(1008, 'address not allowed');
      return;
    }
    const socket = connect(target.port, target.host);
    socket.setNoDelay(true);
    const pending: Buffer[] = [];
    let open = false;
    socket.on('connect', () => {
      open = true;
      for (const chunk of pending) socket.write(chunk);
      pending.length = 0;
    });
    ws.on('message', (data: Buffer) => (open ? socket.write(data) : pending.push(data)));
    socket.on('data', (chunk) => ws.readyState === ws.OPEN && ws.send(chunk));
    const closeBoth = () => {
      socket.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    };
    socket.on('close', closeBoth);
    socket.on('error', closeBoth);
    ws.on('close', closeBoth);
    ws.on('error', closeBoth);
  });

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  if (target.databaseUrl) await sqlOverHttp.warm(target.databaseUrl);
  const actual = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${actual}/v2`,
    httpEndpoint: `http://127.0.0.1:${actual}${SQL_PATH}`,
    port: actual,
    server,
    sqlOverHttp,
    close: async () => {
      await new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await sqlOverHttp.close();
    },
  };
}
