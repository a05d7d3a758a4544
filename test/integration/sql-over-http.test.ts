// The SQL-over-HTTP stand-in against the real driver: `neon()` from inside
// workerd, pointed at the stand-in exactly as the data layer points it, must
// get back what it would get from Neon - types parsed from OIDs and raw text,
// batch transactions, and errors carrying Postgres' fields.

import { env } from 'cloudflare:test';
import { NeonDbError, neon, neonConfig } from '@neondatabase/serverless';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client';
import { isUniqueViolation } from '../../src/db/errors';
import { apiTokens, users } from '../../src/db/schema';
import { verifyToken } from '../../src/lib/tokens';
import { authenticateToken } from '../../src/services/tokens';
import { createUser, unique } from '../helpers/factories';

// Types left as Postgres' text, to see exactly what the stand-in sent.
const rawText = { types: { getTypeParser: () => (value: string) => value } } as never;

neonConfig.fetchEndpoint = env.NEON_HTTP_ENDPOINT;
const sql = neon(env.DATABASE_URL);
const httpDb = () =>
  createDatabase(env.DATABASE_URL, env.WS_PROXY, { httpReads: true, httpEndpoint: env.NEON_HTTP_ENDPOINT }).query;

async function rejection(promise: Promise<unknown>): Promise<NeonDbError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(NeonDbError);
    return err as NeonDbError;
  }
  throw new Error('expected the query to fail');
}

/** A user row straight into the table (bypassing the API) for constraint tests. */
const userRow = (username: string) => [username, `${username}@example.test`, 'not-a-real-hash'];
const insertUser = 'insert into users (username, email, password_hash) values ($1, $2, $3) returning id';

describe('SQL-over-HTTP stand-in: types through the driver', () => {
  it('NULLs, as columns and as parameters', async () => {
    const [row] = await sql.query(
      'select null::text as t, null::int4 as i, null::jsonb as j, null::text[] as a, $1::text is null as param_is_null',
      [null],
    );
    expect(row).toEqual({ t: null, i: null, j: null, a: null, param_is_null: true });
  });

  it('arrays: text[] with quoting and NULLs, int[], empty, nested, and array parameters', async () => {
    const tricky = ['plain', 'with space', 'comma,inside', 'quote"inside', 'back\\slash', '', 'NULL', 'ünïcødé', null];
    const [row] = await sql.query(
      `select $1::text[] as texts, '{1,-2,NULL,2147483647}'::int4[] as ints, '{}'::int4[] as empty,
              '{{1,2},{3,4}}'::int4[] as nested, $2::int8[] as bigs`,
      [tricky, ['9007199254740993', '-1']],
    );
    expect(row!.texts).toEqual(tricky);
    expect(row!.ints).toEqual([1, -2, null, 2147483647]);
    expect(row!.empty).toEqual([]);
    expect(row!.nested).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(row!.bigs).toEqual(['9007199254740993', '-1']);
  });

  it('JSONB and JSON, as columns and as parameters', async () => {
    const doc = { s: 'ünï "q"', n: 42, f: 1.5, nested: { list: [1, null, 'x'], empty: {} }, t: true };
    const [row] = await sql.query(
      `select $1::jsonb as jb, $1::json as j, '[1,"two",null]'::jsonb as arr, '"just a string"'::jsonb as str`,
      [doc],
    );
    expect(row!.jb).toEqual(doc);
    expect(row!.j).toEqual(doc);
    expect(row!.arr).toEqual([1, 'two', null]);
    expect(row!.str).toBe('just a string');
  });

  it('timestamptz: Postgres text out, the same instant back, and a Date through Drizzle', async () => {
    const instant = '2024-02-29T12:34:56.789Z';
    const [raw] = await sql.query('select $1::timestamptz as t', [instant], rawText);
    expect(raw!.t).toMatch(/^2024-02-29 \d\d:\d\d:56\.789[+-]\d\d(:\d\d)?$/);
    const [parsed] = await sql.query('select $1::timestamptz as t', [new Date(instant)]);
    expect(new Date(parsed!.t).toISOString()).toBe(instant);

    const user = await createUser('tstz');
    const [fromDrizzle] = await httpDb()
      .select({ createdAt: users.createdAt })
      .from(users)
      .where(eq(users.id, user.userId));
    expect(fromDrizzle!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(fromDrizzle!.createdAt.getTime() - Date.now())).toBeLessThan(5 * 60_000);
  });

  it('bigint beyond 2^53 stays an exact string; int2/int4 are numbers', async () => {
    const [row] = await sql.query(
      'select 9007199254740993::int8 as big, $1::int8 as max, 32767::int2 as small, (-2147483648)::int4 as min4',
      ['9223372036854775807'],
    );
    expect(row).toEqual({ big: '9007199254740993', max: '9223372036854775807', small: 32767, min4: -2147483648 });
  });

  it('bytea both ways', async () => {
    const bytes = new Uint8Array([0, 1, 127, 128, 254, 255]);
    const [row] = await sql.query("select '\\xdeadbeef'::bytea as lit, $1::bytea as param, length($1::bytea) as n", [
      bytes,
    ]);
    expect(Array.from(row!.lit as Uint8Array)).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect(Array.from(row!.param as Uint8Array)).toEqual(Array.from(bytes));
    expect(row!.n).toBe(6);
  });

  it('booleans and numerics', async () => {
    const [row] = await sql.query(
      `select true as t, false as f, $1::bool as p, 12345678901234567890.123456789::numeric as num,
              1.5::float8 as f8, 0.25::float4 as f4, 'NaN'::float8 as nan, 'Infinity'::float8 as inf`,
      [false],
    );
    expect(row).toMatchObject({ t: true, f: false, p: false, num: '12345678901234567890.123456789' });
    expect(row!.f8).toBe(1.5);
    expect(row!.f4).toBe(0.25);
    expect(row!.nan).toBeNaN();
    expect(row!.inf).toBe(Number.POSITIVE_INFINITY);
  });

  it('full results: fields with type OIDs, command and rowCount per statement kind', async () => {
    const selected = await sql.query("select 1::int4 as one, 'x'::text as x", [], { fullResults: true });
    expect(selected.command).toBe('SELECT');
    expect(selected.rowCount).toBe(1);
    expect(selected.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ['one', 23],
      ['x', 25],
    ]);
    expect(selected.fields[0]).toMatchObject({ tableID: 0, columnID: 0, dataTypeSize: 4, format: 'text' });

    const name = unique('rc').slice(0, 32);
    const inserted = await sql.query(insertUser, userRow(name), { fullResults: true });
    expect(inserted).toMatchObject({ command: 'INSERT', rowCount: 1 });
    const updated = await sql.query('update users set email = email where username = $1', [name], {
      fullResults: true,
      arrayMode: true,
    });
    expect(updated).toMatchObject({ command: 'UPDATE', rowCount: 1, rows: [] });
    const [idField] = (await sql.query('select id from users limit 1', [], { fullResults: true })).fields;
    // A real column carries its table's OID and position, as with Neon.
    expect(idField!.tableID).toBeGreaterThan(0);
    expect(idField!.columnID).toBe(1);
  });
});

describe('SQL-over-HTTP stand-in: transactions and errors', () => {
  it('a batch transaction returns one result per statement', async () => {
    const [a, b] = await sql.transaction([sql`select 1::int4 as n`, sql`select 'two'::text as s`]);
    expect(a).toEqual([{ n: 1 }]);
    expect(b).toEqual([{ s: 'two' }]);
  });

  it('a batch transaction rolls back entirely when a statement fails', async () => {
    const name = unique('batch').slice(0, 32);
    const err = await rejection(
      sql.transaction([sql.query(insertUser, userRow(name)), sql.query(insertUser, userRow(name))]),
    );
    expect(err.code).toBe('23505');
    const left = await sql.query('select count(*)::int4 as n from users where username = $1', [name]);
    expect(left).toEqual([{ n: 0 }]);
  });

  it('batch options become the transaction mode (isolation level, read only)', async () => {
    const [rows] = await sql.transaction([sql`show transaction_isolation`], {
      isolationLevel: 'Serializable',
      readOnly: true,
      deferrable: true,
    });
    expect(rows).toEqual([{ transaction_isolation: 'serializable' }]);
    const err = await rejection(
      sql.transaction([sql.query(insertUser, userRow(unique('ro').slice(0, 32)))], { readOnly: true }),
    );
    expect(err.code).toBe('25006');
  });

  it('a unique violation carries code, constraint and detail', async () => {
    const name = unique('dup').slice(0, 32);
    await sql.query(insertUser, userRow(name));
    const err = await rejection(sql.query(insertUser, userRow(name)));
    expect(err).toMatchObject({
      code: '23505',
      constraint: 'users_username_key',
      table: 'users',
      schema: 'public',
      severity: 'ERROR',
    });
    expect(err.detail).toContain(name);
  });

  it('a unique violation through Drizzle over HTTP is what the services map to 409', async () => {
    const name = unique('dup409').slice(0, 32);
    const values = { username: name, email: `${name}@example.test`, passwordHash: 'x' };
    await httpDb().insert(users).values(values);
    let caught: unknown;
    try {
      await httpDb().insert(users).values(values);
    } catch (err) {
      caught = err;
    }
    expect(isUniqueViolation(caught, 'users_username_key')).toBe(true);
    expect(isUniqueViolation(caught, 'users_email_lower_key')).toBe(false);
  });

  it('a syntax error carries its code and position', async () => {
    const err = await rejection(sql.query('selec 1', []));
    expect(err).toMatchObject({ code: '42601', position: '1' });
    expect(err.message).toContain('syntax error');
  });

  it('several statements in one query are refused, as by Neon (extended protocol)', async () => {
    const err = await rejection(sql.query('select 1; select 2', []));
    expect(err.code).toBe('42601');
  });

  it('only the local Postgres is reachable, whatever host the connection string names', async () => {
    const elsewhere = new URL(env.DATABASE_URL);
    elsewhere.hostname = 'db.example.com';
    const err = await rejection(neon(elsewhere.toString()).query('select 1', []));
    expect(err.message).toContain('only serves the local Postgres');
  });
});

describe('SQL-over-HTTP stand-in: the data layer over HTTP', () => {
  let user: Awaited<ReturnType<typeof createUser>>;
  beforeAll(async () => {
    user = await createUser('authhttp');
  });

  it('authenticateToken (one statement with a data-modifying CTE) works and records last use', async () => {
    const claims = await verifyToken(user.token, env.JWT_SECRET);
    expect(claims).not.toBeNull();
    const db = httpDb();
    await db.update(apiTokens).set({ lastUsed: null }).where(eq(apiTokens.id, claims!.tokenId));
    const auth = await authenticateToken(db, claims!);
    expect(auth).toMatchObject({ userId: user.userId, username: user.username, tokenKind: 'session', scopes: [] });
    const [row] = await db
      .select({ lastUsed: apiTokens.lastUsed })
      .from(apiTokens)
      .where(eq(apiTokens.id, claims!.tokenId));
    expect(row!.lastUsed).toBeInstanceOf(Date);
  });

  it('the reader is built once per isolate and connection string', () => {
    expect(httpDb()).toBe(httpDb());
  });
});

describe('SQL-over-HTTP stand-in: the wire format', () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(env.NEON_HTTP_ENDPOINT, {
      method: 'POST',
      headers: { 'Neon-Connection-String': env.DATABASE_URL, ...headers },
      body: JSON.stringify(body),
    });

  it('replies in Neon key order with raw text rows in array mode', async () => {
    const res = await post(
      { query: 'select $1::int4 as n, null::text as z', params: ['7'] },
      { 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(Object.keys(JSON.parse(text))).toEqual(['rowAsArray', 'fields', 'rows', 'command', 'rowCount']);
    expect(JSON.parse(text)).toEqual({
      rowAsArray: true,
      fields: [
        { name: 'n', dataTypeID: 23, tableID: 0, columnID: 0, dataTypeSize: 4, dataTypeModifier: -1, format: 'text' },
        { name: 'z', dataTypeID: 25, tableID: 0, columnID: 0, dataTypeSize: -1, dataTypeModifier: -1, format: 'text' },
      ],
      rows: [['7', null]],
      command: 'SELECT',
      rowCount: 1,
    });
  });

  it('without the raw/array headers: object rows with JSON values, params given as JSON', async () => {
    const res = await post({
      query:
        "select $1::int4[] as ints, $2::jsonb as doc, $3::bool as b, 1.5::float8 as f, 'NaN'::float8 as nan, 5::int8 as big, array[gen_random_uuid()] as ids",
      params: [[1, null, 3], { k: [1, 'x'] }, true],
    });
    const body = (await res.json()) as { rowAsArray: boolean; rows: Record<string, unknown>[] };
    expect(body.rowAsArray).toBe(false);
    expect(body.rows[0]).toMatchObject({
      ints: [1, null, 3],
      doc: { k: [1, 'x'] },
      b: true,
      f: 1.5,
      nan: 'NaN',
      big: '5',
    });
    // uuid[] is not a built-in the stand-in knows: its element type comes from pg_type.
    expect(body.rows[0]!.ids).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  });

  it('errors: 400 with every Postgres error field present (null when absent)', async () => {
    const res = await post({ query: 'select * from no_such_table_here' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'message',
      'code',
      'detail',
      'hint',
      'position',
      'internalPosition',
      'internalQuery',
      'severity',
      'where',
      'table',
      'column',
      'schema',
      'dataType',
      'constraint',
      'file',
      'line',
      'routine',
    ]);
    expect(body).toMatchObject({ code: '42P01', severity: 'ERROR', position: '15', detail: null, constraint: null });
  });

  it('rejects a missing connection string, a bad isolation level and a malformed body with 400', async () => {
    const noConn = await fetch(env.NEON_HTTP_ENDPOINT, { method: 'POST', body: '{"query":"select 1"}' });
    expect(noConn.status).toBe(400);
    expect(((await noConn.json()) as { message: string }).message).toBe('missing connection string');

    const badLevel = await post({ queries: [{ query: 'select 1' }] }, { 'Neon-Batch-Isolation-Level': 'Chaotic' });
    expect(badLevel.status).toBe(400);
    expect(((await badLevel.json()) as { message: string }).message).toBe('invalid isolation level');

    const malformed = await post({ nothing: true });
    expect(malformed.status).toBe(400);
  });

  it('echoes batch transaction settings in the reply headers', async () => {
    const res = await post(
      { queries: [{ query: 'select 1' }, { query: 'select 2', arrayMode: true }] },
      {
        'Neon-Batch-Read-Only': 'true',
        'Neon-Batch-Isolation-Level': 'RepeatableRead',
        'Neon-Raw-Text-Output': 'true',
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('neon-batch-read-only')).toBe('true');
    expect(res.headers.get('neon-batch-isolation-level')).toBe('RepeatableRead');
    const body = (await res.json()) as { results: { rowAsArray: boolean; rows: unknown[] }[] };
    expect(body.results.map((r) => [r.rowAsArray, r.rows])).toEqual([
      [false, [{ '?column?': '1' }]],
      [true, [['2']]],
    ]);
  });
});
