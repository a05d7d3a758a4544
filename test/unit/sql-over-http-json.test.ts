// The stand-in's JSON <-> Postgres text conversions, on the cases Neon's proxy
// tests (proxy/src/serverless/json.rs) pin down.
import { describe, expect, it } from 'vitest';
import {
  jsonToPgParams,
  parsePgArray,
  pgTextToJson,
  RawJson,
  stringifyOutput,
  typeShape,
} from '../../scripts/lib/sql-over-http-json';

const TEXT = typeShape(25);
const INT4 = typeShape(23);
const INT8 = typeShape(20);
const FLOAT8 = typeShape(701);
const BOOL = typeShape(16);
const JSONB = typeShape(3802);

// RawJson documents are compared by what they put on the wire.
const wire = (value: unknown) => JSON.parse(stringifyOutput(value));

describe('request params -> Postgres text', () => {
  it('atoms: null stays NULL, strings pass unescaped, the rest as JSON text', () => {
    expect(jsonToPgParams([null, 'foo"', true, false, 42, 1.5, { a: 1 }])).toEqual([
      null,
      'foo"',
      'true',
      'false',
      '42',
      '1.5',
      '{"a":1}',
    ]);
  });

  it('arrays become array literals with quoted strings and NULL', () => {
    expect(jsonToPgParams([[true, false, null, 'NULL', 42, 'foo', 'bar"-\\']])).toEqual([
      '{true,false,NULL,"NULL",42,"foo","bar\\"-\\\\"}',
    ]);
    expect(
      jsonToPgParams([
        [
          [true, false],
          [null, 42],
          ['foo', 'bar"-\\'],
        ],
      ]),
    ).toEqual(['{{true,false},{NULL,42},{"foo","bar\\"-\\\\"}}']);
    expect(jsonToPgParams([[{ foo: 1 }, { bar: 2 }]])).toEqual(['{"{\\"foo\\":1}","{\\"bar\\":2}"}']);
  });

  it('missing params are none; params that are not an array are refused', () => {
    expect(jsonToPgParams(undefined)).toEqual([]);
    expect(() => jsonToPgParams({ a: 1 })).toThrow(TypeError);
  });
});

describe('Postgres text -> JSON (non-raw output)', () => {
  it('scalars by type', () => {
    expect(pgTextToJson('foo', TEXT)).toBe('foo');
    expect(pgTextToJson('42', INT4)).toBe(42);
    expect(pgTextToJson('42', typeShape(21))).toBe(42);
    expect(pgTextToJson('42', INT8)).toBe('42');
    expect(pgTextToJson('42.42', FLOAT8)).toBe(42.42);
    expect(pgTextToJson('NaN', typeShape(700))).toBe('NaN');
    expect(pgTextToJson('-Infinity', FLOAT8)).toBe('-Infinity');
    expect(pgTextToJson('t', BOOL)).toBe(true);
    expect(pgTextToJson('f', BOOL)).toBe(false);
    expect(pgTextToJson('12.50', typeShape(1700))).toBe('12.50');
  });

  it('JSON documents go out verbatim, so big numbers are not rounded', () => {
    const doc = pgTextToJson('{"n": 12345678901234567890, "a": [null, 3]}', JSONB);
    expect(doc).toBeInstanceOf(RawJson);
    expect(stringifyOutput({ doc })).toBe('{"doc":{"n": 12345678901234567890, "a": [null, 3]}}');
  });

  it('text arrays: quoting, escapes, nesting, NULL', () => {
    expect(parsePgArray('{"aa\\"\\\\\\,a",cha,"bbbb"}', TEXT)).toEqual(['aa"\\,a', 'cha', 'bbbb']);
    expect(parsePgArray('{{"foo","bar"},{"bee","bop"}}', TEXT)).toEqual([
      ['foo', 'bar'],
      ['bee', 'bop'],
    ]);
    expect(parsePgArray('{{{{"foo",NULL,"bop",bup}}}}', TEXT)).toEqual([[[['foo', null, 'bop', 'bup']]]]);
    expect(parsePgArray('{{"1",2,3},{4,NULL,6},{NULL,NULL,NULL}}', TEXT)).toEqual([
      ['1', '2', '3'],
      ['4', null, '6'],
      [null, null, null],
    ]);
    expect(parsePgArray('{"NULL",""}', TEXT)).toEqual(['NULL', '']);
  });

  it('typed arrays, bounds decoration, empty arrays', () => {
    expect(parsePgArray('{t,f,t}', BOOL)).toEqual([true, false, true]);
    expect(parsePgArray('{{t,NULL},{NULL,f}}', BOOL)).toEqual([
      [true, null],
      [null, false],
    ]);
    expect(parsePgArray('{1,2,3}', INT4)).toEqual([1, 2, 3]);
    expect(parsePgArray('{1,2,3}', INT8)).toEqual(['1', '2', '3']);
    expect(parsePgArray('{NaN,Infinity,-Infinity}', FLOAT8)).toEqual(['NaN', 'Infinity', '-Infinity']);
    expect(parsePgArray('[1:1][-2:-1][3:5]={{{1,2,3},{4,5,6}}}', typeShape(21))).toEqual([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    expect(parsePgArray('{}', INT4)).toEqual([]);
  });

  it('jsonb arrays hold documents', () => {
    expect(wire(parsePgArray('{"{\\"foo\\": 1}", "{\\"bar\\": 2}"}', JSONB))).toEqual([{ foo: 1 }, { bar: 2 }]);
  });

  it('array types: built-ins by OID, others from what pg_type said', () => {
    expect(typeShape(1007)).toEqual({ kind: 'array', element: { kind: 'int' } });
    expect(typeShape(2951)).toEqual({ kind: 'array', element: { kind: 'text' } });
    expect(typeShape(99999)).toEqual({ kind: 'text' });
    expect(typeShape(99999, new Map([[99999, 16]]))).toEqual({ kind: 'array', element: { kind: 'bool' } });
  });

  it('malformed arrays are refused', () => {
    expect(() => parsePgArray('{1,2', INT4)).toThrow('unbalanced array');
    expect(() => parsePgArray('{"abc}', TEXT)).toThrow('unbalanced quoted string');
    expect(() => parsePgArray('{1}x', INT4)).toThrow('unbalanced array');
  });
});
