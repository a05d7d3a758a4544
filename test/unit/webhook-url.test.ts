// Which webhook targets the registry will call, in production and on the local stack.
import { describe, expect, it } from 'vitest';
import { ipv6Groups as parseIPv6 } from '../../src/lib/ip';
import { checkWebhookUrl, isPublicIPv4, isPublicIPv6 } from '../../src/lib/webhook-url';

const production = { allowLocal: false };
const local = { allowLocal: true };

describe('webhook URLs in production', () => {
  it.each([
    ['https://ci.example.com/hooks/raven', 'https://ci.example.com/hooks/raven'],
    ['https://EXAMPLE.com:443/x?y=1', 'https://example.com/x?y=1'],
    ['https://8.8.8.8/hook', 'https://8.8.8.8/hook'],
    ['https://[2606:4700:4700::1111]/hook', 'https://[2606:4700:4700::1111]/hook'],
  ])('accepts %s', (input, normalised) => {
    expect(checkWebhookUrl(input, production)).toEqual({ ok: true, url: normalised });
  });

  it.each([
    ['not a url', /valid absolute URL/],
    ['ftp://example.com/x', /https/],
    ['http://example.com/hook', /https/],
    ['https://example.com:8443/hook', /port/],
    ['https://user:pass@example.com/hook', /Credentials/],
    ['https://example.com/hook#frag', /fragment/],
    [`https://example.com/${'a'.repeat(2100)}`, /2048/],
    // loopback, private, link-local, CGNAT, reserved
    ['https://127.0.0.1/', /private/],
    ['https://10.1.2.3/', /private/],
    ['https://172.16.0.1/', /private/],
    ['https://172.31.255.255/', /private/],
    ['https://192.168.1.1/', /private/],
    ['https://169.254.169.254/latest/meta-data/', /private/],
    ['https://100.64.0.1/', /private/],
    ['https://100.100.100.200/', /private/],
    ['https://0.0.0.0/', /private/],
    ['https://224.0.0.1/', /private/],
    ['https://255.255.255.255/', /private/],
    ['https://198.18.0.1/', /private/],
    // IPv4 written in other bases or shortened: the parser turns them into 127.0.0.1 etc.
    ['https://2130706433/', /dotted decimal/],
    ['https://0x7f000001/', /dotted decimal/],
    ['https://0x7f.1/', /dotted decimal/],
    ['https://0177.0.0.1/', /dotted decimal/],
    ['https://127.1/', /dotted decimal/],
    ['https://%31%32%37.0.0.1/', /dotted decimal/],
    ['https://134744072/', /dotted decimal/], // 8.8.8.8, still refused: write it plainly
    // IPv6
    ['https://[::1]/', /private/],
    ['https://[::]/', /private/],
    ['https://[::ffff:127.0.0.1]/', /private/],
    ['https://[::ffff:a9fe:a9fe]/', /private/],
    ['https://[fe80::1]/', /private/],
    ['https://[fc00::1]/', /private/],
    ['https://[fd00:ec2::254]/', /private/],
    ['https://[64:ff9b::7f00:1]/', /private/],
    ['https://[2002:7f00:1::]/', /private/],
    ['https://[2001:db8::1]/', /private/],
    ['https://[ff02::1]/', /private/],
    // names
    ['https://localhost/', /Local/],
    ['https://localhost./', /Local/],
    ['https://api.localhost/', /Local/],
    ['https://metadata.google.internal/computeMetadata/v1/', /metadata|Local/],
    ['https://metadata.goog/', /metadata/],
    ['https://printer.local/', /Local/],
    ['https://db.internal/', /Local/],
    ['https://router.home.arpa/', /Local/],
    ['https://intranet/', /fully qualified/],
  ])('refuses %s', (input, reason) => {
    const result = checkWebhookUrl(input, production);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('webhook URLs on the local stack (WEBHOOKS_ALLOW_LOCAL=true)', () => {
  it.each([
    'http://127.0.0.1:8787/hook',
    'http://localhost:3000/hook',
    'https://127.0.0.1/hook',
    'http://[::1]:9000/hook',
  ])('accepts loopback %s', (input) => {
    expect(checkWebhookUrl(input, local).ok).toBe(true);
  });

  it.each([
    'http://10.0.0.1/hook',
    'http://192.168.1.10:8080/hook',
    'http://169.254.169.254/',
    'http://example.com/hook',
    'http://2130706433:8080/hook',
    'http://127.1:8080/hook',
  ])('still refuses %s', (input) => {
    expect(checkWebhookUrl(input, local).ok).toBe(false);
  });

  it('production rules still apply to public hosts', () => {
    expect(checkWebhookUrl('https://example.com/hook', local).ok).toBe(true);
    expect(checkWebhookUrl('https://example.com:8443/hook', local).ok).toBe(false);
  });
});

describe('address ranges', () => {
  it('IPv4: public unicast only', () => {
    expect(isPublicIPv4([1, 1, 1, 1])).toBe(true);
    expect(isPublicIPv4([172, 15, 255, 255])).toBe(true);
    expect(isPublicIPv4([172, 32, 0, 0])).toBe(true);
    expect(isPublicIPv4([100, 63, 255, 255])).toBe(true);
    expect(isPublicIPv4([100, 128, 0, 0])).toBe(true);
    expect(isPublicIPv4([172, 16, 0, 0])).toBe(false);
    expect(isPublicIPv4([100, 127, 255, 255])).toBe(false);
    expect(isPublicIPv4([169, 254, 0, 1])).toBe(false);
  });

  it('IPv6: parses the canonical forms and keeps to global unicast', () => {
    expect(parseIPv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('2606:4700::1111')).toEqual([0x2606, 0x4700, 0, 0, 0, 0, 0, 0x1111]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6('1::2::3')).toBeUndefined();
    expect(parseIPv6('1:2:3')).toBeUndefined();
    expect(isPublicIPv6(parseIPv6('2606:4700::1111')!)).toBe(true);
    expect(isPublicIPv6(parseIPv6('fe80::1')!)).toBe(false);
    expect(isPublicIPv6(parseIPv6('2001::1')!)).toBe(false);
  });
});
