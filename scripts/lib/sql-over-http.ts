// A local stand-in for Neon's SQL-over-HTTP endpoint (what `neon()` from
// @neondatabase/serverless and drizzle-orm/neon-http talk to), on a small warm
// pool of real Postgres connections. It mirrors Neon's proxy
// (proxy/src/serverless/sql_over_http.rs): the same headers, the same request
// and reply bodies, Postgres errors as 400 with the error fields, batches as one
// transaction. It only ever connects to the one Postgres it was started for,
// whatever host the connection string names.
//
// Test support: a request carrying `X-Stand-In-Tag` is counted under that tag,
// and GET /__stand-in/fetches?tag=... answers how many arrived, so tests can
// assert how many database round trips a route makes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import { jsonToPgParams, type PgParam, pgTextToJson, stringifyOutput, typeShape } from './sql-over-http-json.ts';

export const SQL_PATH = '/sql';
const FETCHES_PATH = '/__stand-in/fetches';
const TAG_HEADER = 'x-stand-in-tag';

export interface SqlOverHttpOptions {
  /** The Postgres every query goes to. */
  host: string;
  port: number;
  /** Connections kept open per credential set (default 2) and the most ever opened (default 10). */
  warmConnections?: number;
  maxConnections?: number;
}

export interface SqlOverHttp {
  /** Serves the request if it is for this endpoint; false leaves it to the caller. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Opens the warm connections for these credentials now rather than on the first query. */
  warm(connectionString: string): Promise<void>;
  /** How many SQL requests arrived with this tag. */
  fetches(tag: string): number;
  close(): Promise<void>;
}

// Neon's defaults for http_config.max_request_size_bytes / max_response_size_bytes.
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const MAX_POOLS = 16;
const MAX_TAGS = 10_000;

// Every column comes back as Postgres' text output; the driver parses it from
// the type OID, exactly as it does for Neon's raw text output.
const RAW_TEXT: pg.CustomTypesConfig = { getTypeParser: (() => (value: string) => value) as never };

const ISOLATION_LEVELS: Record<string, string> = {
  Serializable: 'SERIALIZABLE',
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
};

// No CORS, unlike Neon: the only clients are workerd and Node on this machine,
// and a web page must not be able to run SQL here (ws-proxy.ts refuses them).

/** A failure answered with Neon's error body; `db` carries Postgres' error fields when there are any. */
class HttpError extends Error {
  readonly status: number;
  readonly db: pg.DatabaseError | undefined;
  constructor(status: number, message: string, db?: pg.DatabaseError) {
    super(message);
    this.status = status;
    this.db = db;
  }
}

interface QueryData {
  query: string;
  params: PgParam[];
  arrayMode: boolean | undefined;
}

interface Headers {
  rawOutput: boolean;
  arrayMode: boolean;
  isolationLevel: string | undefined;
  readOnly: boolean;
  deferrable: boolean;
}

export function createSqlOverHttp(options: SqlOverHttpOptions): SqlOverHttp {
  const warm = options.warmConnections ?? 2;
  const max = Math.max(options.maxConnections ?? 10, warm);
  const allowedHosts = new Set([options.host, '127.0.0.1', 'localhost', '[::1]']);
  const pools = new Map<string, pg.Pool>();
  const tags = new Map<string, number>();
  // Array types learned from pg_type, for the non-raw output path only.
  const arrayElements = new Map<number, number>();
  const lookedUp = new Set<number>();
  let closed = false;

  function poolFor(url: URL): pg.Pool {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const database = decodeURIComponent(url.pathname.slice(1));
    const key = JSON.stringify([user, password, database]);
    let pool = pools.get(key);
    if (!pool) {
      if (pools.size >= MAX_POOLS) throw new HttpError(500, 'too many distinct credentials for the local stand-in');
      pool = new pg.Pool({
        host: options.host,
        port: options.port,
        user,
        password,
        database,
        max,
        min: warm,
        idleTimeoutMillis: 30_000,
        application_name: 'neon-sql-over-http-stand-in',
        types: RAW_TEXT,
      });
      // An idle connection dying (e.g. Postgres restarting) must not crash the process.
      pool.on('error', () => {});
      pools.set(key, pool);
    }
    return pool;
  }

  /** Neon-Connection-String: must parse and must name the Postgres this stand-in serves. */
  function connectionUrl(req: IncomingMessage): URL {
    const raw = req.headers['neon-connection-string'];
    if (typeof raw !== 'string' || raw === '') throw new HttpError(400, 'missing connection string');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new HttpError(400, 'invalid connection string');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new HttpError(400, 'connection string must use the postgres:// or postgresql:// scheme');
    }
    if (!url.username || url.pathname.length < 2) {
      throw new HttpError(400, 'connection string must name a user and a database');
    }
    const port = Number(url.port || 5432);
    if (!allowedHosts.has(url.hostname) || port !== options.port) {
      throw new HttpError(
        400,
        `this stand-in only serves the local Postgres at ${options.host}:${options.port}, not ${url.hostname}:${port}`,
      );
    }
    return url;
  }

  function parseHeaders(req: IncomingMessage): Headers {
    // Like Neon: anything other than exactly "true" is false.
    const flag = (name: string) => req.headers[name] === 'true';
    const level = req.headers['neon-batch-isolation-level'];
    let isolationLevel: string | undefined;
    if (level !== undefined) {
      isolationLevel = typeof level === 'string' ? ISOLATION_LEVELS[level] : undefined;
      if (!isolationLevel) throw new HttpError(400, 'invalid isolation level');
    }
    return {
      rawOutput: flag('neon-raw-text-output'),
      arrayMode: flag('neon-array-mode'),
      isolationLevel,
      readOnly: flag('neon-batch-read-only'),
      deferrable: flag('neon-batch-deferrable'),
    };
  }

  function parsePayload(body: string): QueryData | QueryData[] {
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch (err) {
      throw new HttpError(400, `could not parse the request body: ${(err as Error).message}`);
    }
    const one = (value: unknown): QueryData => {
      const v = value as { query?: unknown; params?: unknown; arrayMode?: unknown };
      if (!v || typeof v !== 'object' || typeof v.query !== 'string') {
        throw new HttpError(400, 'request body must be {query, params} or {queries: [...]}');
      }
      if (v.arrayMode !== undefined && typeof v.arrayMode !== 'boolean') {
        throw new HttpError(400, 'arrayMode must be a boolean');
      }
      let params: PgParam[];
      try {
        params = jsonToPgParams(v.params);
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      return { query: v.query, params, arrayMode: v.arrayMode as boolean | undefined };
    };
    const batch = payload as { queries?: unknown };
    if (batch && typeof batch === 'object' && !('query' in batch) && Array.isArray(batch.queries)) {
      return batch.queries.map(one);
    }
    return one(payload);
  }

  async function learnArrayTypes(client: pg.PoolClient, oids: number[]): Promise<void> {
    const unknown = oids.filter((oid) => typeShape(oid, arrayElements).kind === 'text' && !lookedUp.has(oid));
    if (unknown.length === 0) return;
    for (const oid of unknown) lookedUp.add(oid);
    const { rows } = await client.query<string[]>({
      text: "select oid::text, typelem::text from pg_type where oid = any($1::oid[]) and typcategory = 'A'",
      values: [`{${unknown.join(',')}}`],
      rowMode: 'array',
    } as pg.QueryArrayConfig);
    for (const [oid, elem] of rows) arrayElements.set(Number(oid), Number(elem));
  }

  /** One statement, always over the extended protocol (so, like Neon, never several statements at once). */
  async function run(client: pg.PoolClient, data: QueryData, headers: Headers): Promise<Record<string, unknown>> {
    const arrayMode = data.arrayMode ?? headers.arrayMode;
    const result = await client.query({
      text: data.query,
      values: data.params,
      rowMode: 'array',
      queryMode: 'extended',
      types: RAW_TEXT,
    } as pg.QueryArrayConfig);
    const fields = result.fields;
    let rows: unknown[] = result.rows as (string | null)[][];
    if (!headers.rawOutput) {
      await learnArrayTypes(
        client,
        fields.map((f) => f.dataTypeID),
      );
      const shapes = fields.map((f) => typeShape(f.dataTypeID, arrayElements));
      rows = (rows as (string | null)[][]).map((row) =>
        row.map((value, i) => (value === null ? null : pgTextToJson(value, shapes[i]!))),
      );
    }
    if (!arrayMode) {
      rows = (rows as unknown[][]).map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i]])));
    }
    // Key order as Neon writes it.
    return {
      rowAsArray: arrayMode,
      fields: fields.map((f) => ({
        name: f.name,
        dataTypeID: f.dataTypeID,
        tableID: f.tableID,
        columnID: f.columnID,
        dataTypeSize: f.dataTypeSize,
        dataTypeModifier: f.dataTypeModifier,
        format: 'text',
      })),
      rows,
      command: result.command ?? '',
      rowCount: result.rowCount ?? null,
    };
  }

  function startTransaction(headers: Headers): string {
    const modes: string[] = [];
    if (headers.isolationLevel) modes.push(`ISOLATION LEVEL ${headers.isolationLevel}`);
    if (headers.readOnly) modes.push('READ ONLY');
    if (headers.deferrable) modes.push('DEFERRABLE');
    return `START TRANSACTION ${modes.join(', ')}`.trim();
  }

  async function execute(pool: pg.Pool, payload: QueryData | QueryData[], headers: Headers): Promise<unknown> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw asHttpError(err);
    }
    // A connection is only reused when it is back to idle, as in Neon's pool.
    let broken = false;
    try {
      if (!Array.isArray(payload)) return await run(client, payload, headers);
      await client.query(startTransaction(headers));
      try {
        const results = [];
        for (const data of payload) results.push(await run(client, data, headers));
        await client.query('COMMIT');
        return { results };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      }
    } catch (err) {
      if (!(err instanceof pg.DatabaseError)) broken = true;
      throw asHttpError(err);
    } finally {
      if (client.getTransactionStatus() !== 'I') broken = true;
      client.release(broken);
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tag = req.headers[TAG_HEADER];
    if (typeof tag === 'string' && tag !== '') {
      const seen = tags.get(tag) ?? 0;
      // Re-inserted so the map stays in recency order and the oldest tag is evicted first.
      tags.delete(tag);
      tags.set(tag, seen + 1);
      if (tags.size > MAX_TAGS) tags.delete(tags.keys().next().value!);
    }
    const url = connectionUrl(req);
    const headers = parseHeaders(req);
    const payload = parsePayload(await readBody(req));
    const result = await execute(poolFor(url), payload, headers);
    // Raw text output (what the driver asks for) has no verbatim JSON documents in it.
    const body = headers.rawOutput ? JSON.stringify(result) : stringifyOutput(result);
    if (Buffer.byteLength(body) > MAX_RESPONSE_BYTES) {
      throw new HttpError(507, `response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`);
    }
    const replyHeaders: Record<string, string> = { 'Content-Type': 'application/json' };
    if (Array.isArray(payload)) {
      if (headers.readOnly) replyHeaders['Neon-Batch-Read-Only'] = 'true';
      if (headers.deferrable) replyHeaders['Neon-Batch-Deferrable'] = 'true';
      const level = req.headers['neon-batch-isolation-level'];
      if (headers.isolationLevel && typeof level === 'string') replyHeaders['Neon-Batch-Isolation-Level'] = level;
    }
    res.writeHead(200, replyHeaders).end(body);
  }

  return {
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0];
      if (path === FETCHES_PATH && req.method === 'GET') {
        const tag = new URL(req.url ?? '/', 'http://stand-in').searchParams.get('tag') ?? '';
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ tag, fetches: tags.get(tag) ?? 0 }));
        return true;
      }
      if (path !== SQL_PATH) return false;
      if (req.method !== 'POST') {
        res.writeHead(405, { Allow: 'POST' }).end();
        return true;
      }
      serve(req, res).catch((err) => {
        const e = asHttpError(err);
        if (res.headersSent) return res.destroy();
        res.writeHead(e.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(errorBody(e)));
      });
      return true;
    },
    async warm(connectionString) {
      const pool = poolFor(new URL(connectionString));
      const clients = await Promise.all(Array.from({ length: warm }, () => pool.connect()));
      for (const client of clients) client.release();
    },
    fetches: (tag) => tags.get(tag) ?? 0,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...pools.values()].map((pool) => pool.end().catch(() => {})));
      pools.clear();
    },
  };
}

function asHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof pg.DatabaseError) {
    // Connecting as a wrong user or to a missing database is the caller's mistake too (Neon: 400).
    return new HttpError(400, err.message, err);
  }
  return new HttpError(500, (err as Error)?.message ?? String(err));
}

/** Neon's error body: every key present, Postgres' fields or null; code and severity default to "". */
function errorBody(e: HttpError): Record<string, unknown> {
  const db = e.db;
  return {
    message: e.message,
    code: db?.code ?? '',
    detail: db?.detail ?? null,
    hint: db?.hint ?? null,
    position: db?.position ?? null,
    internalPosition: db?.internalPosition ?? null,
    internalQuery: db?.internalQuery ?? null,
    severity: db?.severity ?? '',
    where: db?.where ?? null,
    table: db?.table ?? null,
    column: db?.column ?? null,
    schema: db?.schema ?? null,
    dataType: db?.dataType ?? null,
    constraint: db?.constraint ?? null,
    file: db?.file ?? null,
    line: db?.line ?? null,
    routine: db?.routine ?? null,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new HttpError(413, `request body is too large (max is ${MAX_REQUEST_BYTES} bytes)`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
