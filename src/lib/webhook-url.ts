import { ipv6Groups } from './ip';
// Which webhook targets the registry agrees to call. The registry must never be
// turned against its own network: loopback, private, link-local, CGNAT and
// unique-local ranges, cloud metadata hosts and intranet-only names are refused,
// as are the odd spellings of IP addresses (2130706433, 0x7f.1, 0177.0.0.1) that
// the URL parser quietly turns into dotted decimal. Only https on the default
// port, no credentials in the URL.
//
// Local development (WEBHOOKS_ALLOW_LOCAL=true, set by the local stack and the
// tests) additionally allows http or https to loopback (localhost, 127.0.0.0/8,
// [::1]) on any port - and nothing else private.
//
// These checks are on the URL as written; a public name whose DNS points at a
// private address is not caught here (Workers cannot resolve names before
// fetching). On Cloudflare the Worker's fetch egresses from Cloudflare's network,
// which has no route to the registry's own infrastructure.

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string };

export interface UrlPolicy {
  /** Local development: loopback targets allowed, over http too, on any port. */
  allowLocal: boolean;
}

const refuse = (reason: string): UrlCheck => ({ ok: false, reason });

/** Names that only ever mean something inside a private network or a cloud instance. */
const BLOCKED_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata.azure.com']);
const BLOCKED_SUFFIXES = [
  '.localhost',
  '.local',
  '.internal',
  '.localdomain',
  '.lan',
  '.home.arpa',
  '.arpa',
  '.intranet',
  '.corp',
  '.home',
];

const DOTTED_IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function checkWebhookUrl(input: string, policy: UrlPolicy): UrlCheck {
  if (input.length > MAX_WEBHOOK_URL_LENGTH) return refuse(`At most ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse('Not a valid absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('The URL must use https.');
  if (url.username || url.password)
    return refuse('Credentials in the URL are not allowed; use the signature to authenticate.');
  if (url.hash) return refuse('A URL fragment is never sent; remove it.');

  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const written = writtenHost(input);
  if (DOTTED_IPV4.test(host) && written !== host) {
    return refuse('Write IP addresses in plain dotted decimal (no decimal, hex or octal forms).');
  }

  const loopback = isLoopback(host);
  if (policy.allowLocal && loopback) return { ok: true, url: url.href };

  if (url.protocol !== 'https:') return refuse('The URL must use https.');
  if (url.port !== '') return refuse('Only the default https port (443) is allowed.');
  const problem = hostProblem(host);
  if (problem) return refuse(problem);
  return { ok: true, url: url.href };
}

/** The host exactly as written in the input (lowercased), before the URL parser normalises it. */
function writtenHost(input: string): string {
  const authority = /^[a-z][a-z0-9+.-]*:[/\\]{2}([^/?#\\]*)/i.exec(input.trim())?.[1] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const host = hostPort.startsWith('[')
    ? hostPort.slice(0, hostPort.indexOf(']') + 1)
    : hostPort.replace(/:[^:]*$/, '');
  return host.toLowerCase().replace(/\.$/, '');
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]') return true;
  const v4 = DOTTED_IPV4.exec(host);
  return v4 !== null && Number(v4[1]) === 127;
}

/** Why a host (hostname or IP literal, as the URL parser normalised it) is not a public target, or undefined. */
function hostProblem(host: string): string | undefined {
  const v4 = DOTTED_IPV4.exec(host);
  if (v4) {
    const octets = v4.slice(1).map(Number) as [number, number, number, number];
    return isPublicIPv4(octets) ? undefined : 'The address is in a private, loopback, link-local or reserved range.';
  }
  if (host.startsWith('[')) {
    const hextets = ipv6Groups(host);
    if (!hextets) return 'Not a valid IPv6 address.';
    return isPublicIPv6(hextets) ? undefined : 'The address is in a private, loopback, link-local or reserved range.';
  }
  if (BLOCKED_NAMES.has(host)) return 'Cloud metadata hosts are not allowed.';
  if (host === 'localhost' || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) {
    return 'Local and intranet-only host names are not allowed.';
  }
  if (!host.includes('.')) return 'Use a fully qualified public host name.';
  return undefined;
}

/** [first, prefix length] of every IPv4 range that is not a public unicast address. */
const PRIVATE_V4: [number, number][] = [
  [ip4(0, 0, 0, 0), 8], // "this network"
  [ip4(10, 0, 0, 0), 8], // RFC 1918
  [ip4(100, 64, 0, 0), 10], // CGNAT (RFC 6598)
  [ip4(127, 0, 0, 0), 8], // loopback
  [ip4(169, 254, 0, 0), 16], // link-local, incl. 169.254.169.254 metadata
  [ip4(172, 16, 0, 0), 12], // RFC 1918
  [ip4(192, 0, 0, 0), 24], // IETF protocol assignments
  [ip4(192, 0, 2, 0), 24], // TEST-NET-1
  [ip4(192, 88, 99, 0), 24], // 6to4 relay anycast
  [ip4(192, 168, 0, 0), 16], // RFC 1918
  [ip4(198, 18, 0, 0), 15], // benchmarking
  [ip4(198, 51, 100, 0), 24], // TEST-NET-2
  [ip4(203, 0, 113, 0), 24], // TEST-NET-3
  [ip4(224, 0, 0, 0), 4], // multicast
  [ip4(240, 0, 0, 0), 4], // reserved, incl. broadcast
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function isPublicIPv4(octets: [number, number, number, number]): boolean {
  if (octets.some((o) => o > 255)) return false;
  const value = ip4(...octets);
  return !PRIVATE_V4.some(([base, bits]) => value >>> (32 - bits) === base >>> (32 - bits));
}

/**
 * Only global unicast (2000::/3) is public; everything else - loopback,
 * unspecified, IPv4-mapped and NAT64 forms, link-local fe80::/10, unique-local
 * fc00::/7 (incl. AWS's fd00:ec2::254), multicast - is outside it. Inside it,
 * Teredo, documentation and 6to4 prefixes embed or stand for other addresses.
 */
export function isPublicIPv6(h: number[]): boolean {
  const first = h[0] ?? 0;
  if ((first & 0xe000) !== 0x2000) return false;
  if (first === 0x2001 && (h[1] === 0x0000 || h[1] === 0x0db8)) return false; // Teredo, documentation
  if (first === 0x2002) return false; // 6to4
  return true;
}
