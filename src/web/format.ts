// Numbers, dates and sizes as the pages print them (UTC, English).
const numbers = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const dates = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

export const formatNumber = (n: number) => numbers.format(n);
export const formatCompact = (n: number) => compact.format(n);
export const formatDate = (isoDate: string) => (isoDate ? dates.format(new Date(isoDate)) : '');

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** Only http(s) links become hrefs: a manifest could carry `javascript:` URLs. */
export function safeUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** A dependency's requirement, whether the manifest gave a string or `{version, ...}`. */
export function requirementOf(spec: unknown): string {
  if (typeof spec === 'string') return spec;
  if (spec && typeof spec === 'object' && 'version' in spec && typeof spec.version === 'string') return spec.version;
  return '*';
}
