// Fetching the website's pages the way a browser does (no /api/v1 prefix).
import { BASE, call } from './client';

export async function getPage(path: string): Promise<{ status: number; html: string; res: Response }> {
  const res = await call(BASE + path, { headers: { accept: 'text/html' } });
  return { status: res.status, html: await res.text(), res };
}

/** The document's <title>, unescaped enough for the assertions here. */
export function titleOf(html: string): string {
  return (/<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '').replaceAll('&amp;', '&').replaceAll('&#39;', "'");
}

/** The headers every page carries, whatever its status. */
/**
 * The site's headers. `inline-styles` is /docs alone (the API viewer sets style
 * attributes); scripts are 'self' everywhere, and nothing else may be inline.
 */
export function expectSecurityHeaders(
  res: Response,
  expect: (v: unknown) => any,
  styles: 'strict' | 'inline-styles' = 'strict',
): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const directive of [
    "default-src 'self'",
    "script-src 'self'",
    styles === 'strict' ? "style-src 'self'" : "style-src 'self' 'unsafe-inline'",
    "img-src 'self' https: data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ]) {
    expect(csp.split('; ')).toContain(directive);
  }
  expect(csp.replace("style-src 'self' 'unsafe-inline'", '')).not.toMatch(/unsafe-|nonce-|sha256-/);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
}
