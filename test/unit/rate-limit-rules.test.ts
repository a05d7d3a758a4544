import { describe, expect, it } from 'vitest';
import {
  bucketKeys,
  clientKey,
  loginBuckets,
  newPackageBucket,
  type RequestFacts,
  requestBucket,
} from '../../src/lib/rate-limit-rules';

const limits = {
  RATE_LIMIT_ANON_PER_HOUR: 60,
  RATE_LIMIT_INSTALL_PER_HOUR: 5000,
  RATE_LIMIT_AUTH_PER_HOUR: 5000,
  RATE_LIMIT_SEARCH_PER_HOUR: 100,
  RATE_LIMIT_LOGIN_PER_HOUR: 10,
  RATE_LIMIT_NEW_PACKAGES_PER_HOUR: 7,
};

const req = (over: Partial<RequestFacts>): RequestFacts => ({
  rule: 'general',
  userId: undefined,
  ip: '203.0.113.9',
  ...over,
});

// Which route declares which rule is tested through the app: test/integration/route-limits.test.ts.
describe('requestBucket', () => {
  it('anonymous requests draw from the per-IP bucket', () => {
    expect(requestBucket(req({}), limits)).toEqual({ key: 'anon:203.0.113.9', limit: 60, kind: 'anon' });
  });

  it('signed-in requests draw from the per-user bucket, whatever the IP', () => {
    const a = requestBucket(req({ userId: 'u-1', ip: '198.51.100.1' }), limits);
    const b = requestBucket(req({ userId: 'u-1', ip: '198.51.100.2' }), limits);
    expect(a).toEqual({ key: 'user:u-1', limit: 5000, kind: 'user' });
    expect(b).toEqual(a);
  });

  it('search has its own per-IP bucket, signed in or not', () => {
    const expected = { key: 'search:203.0.113.9', limit: 100, kind: 'search' };
    expect(requestBucket(req({ rule: 'search' }), limits)).toEqual(expected);
    expect(requestBucket(req({ rule: 'search', userId: 'u-1' }), limits)).toEqual(expected);
  });

  it('routes declared unlimited never reach the limiter, signed in or not', () => {
    expect(requestBucket(req({ rule: 'none' }), limits)).toBeNull();
    expect(requestBucket(req({ rule: 'none', userId: 'u-1' }), limits)).toBeNull();
  });

  it('anonymous install reads draw from the per-IP install bucket', () => {
    const expected = { key: 'install:203.0.113.9', limit: 5000, kind: 'install' };
    expect(requestBucket(req({ rule: 'install' }), limits)).toEqual(expected);
  });

  it('signed-in install reads stay on the per-user bucket', () => {
    expect(requestBucket(req({ rule: 'install', userId: 'u-1' }), limits)?.kind).toBe('user');
  });

  it('a request without CF-Connecting-IP shares one "unknown" bucket', () => {
    expect(requestBucket(req({ ip: undefined }), limits)?.key).toBe('anon:unknown');
  });
});

describe('login and new-package buckets', () => {
  it('login is keyed per IP, and failures per email (case-insensitive) per client and from everywhere', () => {
    const buckets = loginBuckets('203.0.113.9', '  Ada@Example.COM ', limits);
    expect(buckets.ip).toEqual({ key: 'login-ip:203.0.113.9', limit: 10, kind: 'login-ip' });
    expect(buckets.failures).toEqual([
      { key: 'login-email:203.0.113.9:ada@example.com', limit: 10, kind: 'login-email' },
      { key: 'login-email-all:ada@example.com', limit: 100, kind: 'login-email-all' },
    ]);
  });

  it('new package names are keyed per user at their own limit', () => {
    expect(newPackageBucket('u-1', limits)).toEqual({ key: 'new-package:u-1', limit: 7, kind: 'new-package' });
  });

  it('rules never share a key for the same client', () => {
    const keys = [
      bucketKeys.anon('1.2.3.4'),
      bucketKeys.search('1.2.3.4'),
      bucketKeys.loginIp('1.2.3.4'),
      bucketKeys.user('1.2.3.4'),
      bucketKeys.newPackage('1.2.3.4'),
      bucketKeys.loginEmail('1.2.3.4', '1.2.3.4'),
      bucketKeys.loginEmailAll('1.2.3.4'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('clientKey', () => {
  it('keeps IPv4 as is', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey(' 203.0.113.9 ')).toBe('203.0.113.9');
  });

  it('keys IPv6 by its /64, however it is written', () => {
    const forms = [
      '2001:db8:aa:bb::1',
      '2001:0db8:00aa:00bb:0000:0000:0000:0001',
      '2001:DB8:AA:BB:ffff:1:2:3',
      '[2001:db8:aa:bb::9]',
      'fe80::1%eth0'.replace('fe80::1', '2001:db8:aa:bb::7'),
    ];
    for (const ip of forms) expect(clientKey(ip)).toBe('2001:db8:aa:bb::/64');
    expect(clientKey('2001:db8:aa:bc::1')).toBe('2001:db8:aa:bc::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });

  it('treats IPv4-mapped IPv6 as the IPv4 client', () => {
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:cb00:7109')).toBe('203.0.113.9');
  });

  it('keeps malformed values apart but bounded, and empties as unknown', () => {
    expect(clientKey('1:2:3')).toBe('1:2:3');
    expect(clientKey('1::2::3')).toBe('1::2::3');
    expect(clientKey(`${'a:'.repeat(100)}`)).toHaveLength(64);
    expect(clientKey('')).toBe('unknown');
  });
});
