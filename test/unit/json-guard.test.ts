import { describe, expect, it } from 'vitest';
import { jsonProblem } from '../../src/lib/json-guard';

const nested = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

describe('jsonProblem', () => {
  it('passes ordinary publish metadata', () => {
    const meta = { name: 'x', keywords: ['a'], dependencies: { y: { version: '1', features: ['f'] } }, n: null };
    expect(jsonProblem(meta, 8)).toBeNull();
  });

  it('names the path of a NUL in a value, in an array or in a key', () => {
    expect(jsonProblem({ description: 'a\0b' }, 8)).toEqual({ path: 'description', message: expect.any(String) });
    expect(jsonProblem({ keywords: ['ok', 'b\0'] }, 8)?.path).toBe('keywords.1');
    expect(jsonProblem({ dependencies: { y: { 'k\0': 1 } } }, 8)?.path).toBe('dependencies.y');
    expect(jsonProblem('\0', 8)?.path).toBe('(root)');
  });

  it('allows nesting up to the bound and refuses one level more', () => {
    expect(jsonProblem(nested(8), 8)).toBeNull();
    expect(jsonProblem(nested(9), 8)).toEqual({ path: 'a.a.a.a.a.a.a.a', message: expect.stringMatching(/8 levels/) });
    expect(jsonProblem(JSON.parse(`${'['.repeat(9)}${']'.repeat(9)}`), 8)?.path).toBe('0.0.0.0.0.0.0.0');
  });

  it('walks 200,000 levels without using the stack', () => {
    expect(jsonProblem(nested(200_000), 1_000_000)).toBeNull();
  });
});
