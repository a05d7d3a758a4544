// The JSON <-> Postgres text conversions of Neon's SQL-over-HTTP endpoint
// (proxy/src/serverless/json.rs in neondatabase/neon), kept free of Node APIs
// so unit tests can run them anywhere. The driver itself only ever sends
// string/null params and asks for raw text output; the other paths exist so
// that a hand-written fetch against the stand-in sees what Neon would answer.

export type PgParam = string | null;

/** Request params: JSON values become Postgres text parameters. */
export function jsonToPgParams(values: unknown): PgParam[] {
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw new TypeError('params must be an array');
  return values.map(paramToPgText);
}

function paramToPgText(value: unknown): PgParam {
  if (value === null) return null;
  // Strings pass through unescaped: they travel as bind parameters.
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return arrayToPgLiteral(value);
  return JSON.stringify(value);
}

// Inside an array literal, strings need quoting; Neon quotes with JSON string
// escaping, which Postgres' array input accepts for `"` and `\`.
function arrayToPgLiteral(value: unknown): string {
  if (value === null) return 'NULL';
  if (Array.isArray(value)) return `{${value.map(arrayToPgLiteral).join(',')}}`;
  if (typeof value === 'object') return JSON.stringify(JSON.stringify(value));
  return JSON.stringify(value);
}

/** What the text -> JSON conversion needs to know about a column's type. */
export type TypeShape = { kind: 'bool' | 'int' | 'float' | 'json' | 'text' } | { kind: 'array'; element: TypeShape };

const SCALARS: Record<number, TypeShape> = {
  16: { kind: 'bool' },
  21: { kind: 'int' },
  23: { kind: 'int' },
  700: { kind: 'float' },
  701: { kind: 'float' },
  114: { kind: 'json' },
  3802: { kind: 'json' },
};

/** Array type OID -> element type OID for the built-in types we care about. */
const BUILTIN_ARRAYS: Record<number, number> = {
  1000: 16,
  1005: 21,
  1007: 23,
  1016: 20,
  1021: 700,
  1022: 701,
  1231: 1700,
  199: 114,
  3807: 3802,
  1009: 25,
  1015: 1043,
  1014: 1042,
  1001: 17,
  1115: 1114,
  1185: 1184,
  1182: 1082,
  2951: 2950,
};

/** Resolves an OID using the built-ins, then what the caller learned from pg_type. */
export function typeShape(oid: number, arrays: ReadonlyMap<number, number> = new Map()): TypeShape {
  const element = BUILTIN_ARRAYS[oid] ?? arrays.get(oid);
  if (element !== undefined) return { kind: 'array', element: typeShape(element, arrays) };
  return SCALARS[oid] ?? { kind: 'text' };
}

/** A JSON document to be written into the reply as-is (Neon does not re-encode json/jsonb). */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export type OutputValue = null | boolean | number | string | RawJson | OutputValue[];

/** Non-raw output: a column's text turned into JSON the way Neon's proxy does it. */
export function pgTextToJson(text: string, shape: TypeShape): OutputValue {
  switch (shape.kind) {
    case 'array':
      return parsePgArray(text, shape.element);
    case 'bool':
      return text === 't';
    case 'int':
      return Number.parseInt(text, 10);
    case 'float': {
      const n = Number(text);
      // NaN and the infinities stay strings: JSON has no spelling for them.
      return Number.isFinite(n) ? n : text;
    }
    case 'json':
      return new RawJson(text);
    default:
      return text;
  }
}

/**
 * Postgres' array output format, including nesting, quoting and NULL. Bounds
 * decoration (`[1:2]={...}`) is dropped; the delimiter is always `,` as in Neon.
 */
export function parsePgArray(input: string, element: TypeShape): OutputValue[] {
  let text = input;
  if (text.startsWith('[')) {
    const eq = text.indexOf('=');
    if (eq < 0) throw new Error('unbalanced array');
    text = text.slice(eq + 1);
  }
  const state = { text: text.trimStart(), pos: 0 };
  const result = parseArrayInner(state, element);
  if (state.pos !== state.text.length) throw new Error('unbalanced array');
  return result;
}

interface Cursor {
  text: string;
  pos: number;
}

function skipSpace(c: Cursor): void {
  while (c.pos < c.text.length && /\s/.test(c.text[c.pos]!)) c.pos++;
}

function parseArrayInner(c: Cursor, element: TypeShape): OutputValue[] {
  if (c.text[c.pos] !== '{') throw new Error('unbalanced array');
  c.pos++;
  const out: OutputValue[] = [];
  // `{}` is an empty array. (Neon's parser, as read, would see one empty item
  // here; only hand-written non-raw requests could notice, so we answer [].)
  skipSpace(c);
  if (c.text[c.pos] === '}') {
    c.pos++;
    skipSpace(c);
    return out;
  }
  for (;;) {
    out.push(parseItem(c, element));
    if (c.text[c.pos] === ',') {
      c.pos++;
      continue;
    }
    break;
  }
  if (c.text[c.pos] !== '}') throw new Error('unbalanced array');
  c.pos++;
  skipSpace(c);
  return out;
}

function parseItem(c: Cursor, element: TypeShape): OutputValue {
  skipSpace(c);
  if (c.text[c.pos] === '{') return parseArrayInner(c, element);
  if (c.text[c.pos] === '"') {
    c.pos++;
    let value = '';
    for (;;) {
      if (c.pos >= c.text.length) throw new Error('unbalanced quoted string');
      const ch = c.text[c.pos++]!;
      if (ch === '"') break;
      if (ch === '\\') {
        if (c.pos >= c.text.length) throw new Error('unbalanced quoted string');
        value += c.text[c.pos++];
      } else {
        value += ch;
      }
    }
    skipSpace(c);
    return pgTextToJson(value, element);
  }
  let end = c.pos;
  while (end < c.text.length && c.text[end] !== ',' && c.text[end] !== '}') end++;
  if (end >= c.text.length) throw new Error('unbalanced array');
  const item = c.text.slice(c.pos, end).trimEnd();
  c.pos = end;
  return item === 'NULL' ? null : pgTextToJson(item, element);
}

/** JSON.stringify that writes RawJson documents verbatim. */
export function stringifyOutput(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyOutput).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const [key, v] of Object.entries(value)) {
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${stringifyOutput(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
