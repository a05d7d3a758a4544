// The switch between Neon's HTTP mode and the WebSocket Pool for reads.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

const base = { JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://u:p@h/db' };
const load = (vars: Record<string, string>) => loadConfig({ ...base, ...vars } as unknown as Env);

describe('DB_HTTP_READS / NEON_HTTP_ENDPOINT', () => {
  it('reads go over HTTP unless switched off, to Neon itself unless an endpoint is given', () => {
    expect(load({})).toMatchObject({ DB_HTTP_READS: true, NEON_HTTP_ENDPOINT: '' });
    expect(load({ DB_HTTP_READS: 'false' }).DB_HTTP_READS).toBe(false);
    expect(load({ NEON_HTTP_ENDPOINT: 'http://127.0.0.1:5555/sql' }).NEON_HTTP_ENDPOINT).toBe(
      'http://127.0.0.1:5555/sql',
    );
  });

  it('refuses anything but "true"/"false" and a URL, rather than guessing', () => {
    expect(() => load({ DB_HTTP_READS: 'yes' })).toThrow();
    expect(() => load({ NEON_HTTP_ENDPOINT: '127.0.0.1:5555/sql' })).toThrow();
  });
});
