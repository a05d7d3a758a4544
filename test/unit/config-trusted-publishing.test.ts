// Trusted publishing's Worker variables: GitHub by default, a JSON map otherwise, local issuers off.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

const base = { JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://u:p@h/db' };
const load = (vars: Record<string, string>) => loadConfig({ ...base, ...vars } as unknown as Env);

describe('TRUSTED_PUBLISHING_*', () => {
  it('trusts GitHub Actions only, with the audience taken from the origin, unless told otherwise', () => {
    expect(load({})).toMatchObject({
      TRUSTED_PUBLISHING_AUDIENCE: '',
      TRUSTED_PUBLISHING_ISSUERS: {
        'https://token.actions.githubusercontent.com': 'https://token.actions.githubusercontent.com/.well-known/jwks',
      },
      TRUSTED_PUBLISHING_ALLOW_LOCAL: false,
    });
    const issuers = { 'https://gitlab.example.com': 'https://gitlab.example.com/oauth/discovery/keys' };
    expect(load({ TRUSTED_PUBLISHING_ISSUERS: JSON.stringify(issuers) }).TRUSTED_PUBLISHING_ISSUERS).toEqual(issuers);
  });

  it('refuses an issuer map that is not JSON of URLs, rather than trusting nobody silently', () => {
    expect(() => load({ TRUSTED_PUBLISHING_ISSUERS: 'https://token.actions.githubusercontent.com' })).toThrow();
    expect(() => load({ TRUSTED_PUBLISHING_ISSUERS: '{"issuer": "not a url"}' })).toThrow();
    expect(() => load({ TRUSTED_PUBLISHING_ALLOW_LOCAL: 'yes' })).toThrow();
  });
});
