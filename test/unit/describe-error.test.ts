import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/lib/log';

describe('describeError (what an unexpected error may put in a log line)', () => {
  it("never includes drizzle's query text or parameters", () => {
    const err = new Error('Failed query: select * from users where email = $1\nparams: ada@example.com', {
      cause: Object.assign(new Error('duplicate key value'), { code: '23505' }),
    });
    const line = JSON.stringify(describeError(err));
    expect(line).not.toContain('ada@example.com');
    expect(line).not.toContain('select');
    expect(describeError(err)).toEqual({ error: 'Failed query: Error: duplicate key value', code: '23505' });
  });

  it('copes with a cause that is not an Error (the driver rejects with an ErrorEvent)', () => {
    const err = new Error('Failed query: select 1\nparams: secret-ish', { cause: { type: 'error' } });
    expect(describeError(err)).toEqual({ error: 'Failed query: Error: error' });
  });
});
