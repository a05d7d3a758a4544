// IP address parsing for rate-limit keys and webhook targets: one parser, a
// maintained one (ipaddr.js), instead of two hand-written IPv6 expanders.
import ipaddr from 'ipaddr.js';

/**
 * The eight 16-bit groups of an IPv6 address (`::` compression, a trailing
 * dotted IPv4 and a zone id accepted; brackets stripped), or undefined.
 */
export function ipv6Groups(text: string): number[] | undefined {
  let addr = text.trim();
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  if (!ipaddr.IPv6.isValid(addr)) return undefined;
  return ipaddr.IPv6.parse(addr).parts;
}
