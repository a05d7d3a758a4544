// A tiny WebSocket -> TCP bridge so the Neon serverless driver (which speaks the
// Postgres wire protocol over a WebSocket) can reach a plain local Postgres.
// It only ever connects to the one Postgres it was started for.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { WebSocketServer as WSS } from 'ws';

// `ws` resolves to its browser stub under some bundler conditions; require() gets the Node build.
const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof import('ws');

export interface WsProxy {
  /** Value for the Worker's WS_PROXY variable: host:port/path, no scheme. */
  address: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function startWsProxy(target: { host: string; port: number }, port = 0): Promise<WsProxy> {
  const server = createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const wss: WSS = new WebSocketServer({ server });
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
  const actual = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${actual}/v2`,
    port: actual,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
