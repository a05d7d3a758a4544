// Counts the Worker's fetches to the SQL-over-HTTP endpoint, as the stand-in
// sees them arrive. The Worker under test shares this isolate (and so the
// driver's neonConfig), so for the duration of `work` every fetch the driver
// makes carries a fresh tag; the stand-in counts requests per tag. Test files
// run in separate workerd processes and tests within a file one at a time, so
// nothing else can carry the tag.

import { env } from 'cloudflare:test';
import { neonConfig } from '@neondatabase/serverless';

const TAG_HEADER = 'X-Stand-In-Tag';

export const httpReadsEnabled = (): boolean => env.DB_HTTP_READS === 'true';

export async function countDbFetches(work: () => Promise<unknown>): Promise<number> {
  const tag = crypto.randomUUID();
  const previous = neonConfig.fetchFunction;
  const send: typeof fetch = previous ?? fetch;
  neonConfig.fetchFunction = (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set(TAG_HEADER, tag);
    return send(input, { ...init, headers });
  };
  try {
    await work();
  } finally {
    neonConfig.fetchFunction = previous;
  }
  const res = await fetch(new URL(`/__stand-in/fetches?tag=${tag}`, env.NEON_HTTP_ENDPOINT));
  const body = (await res.json()) as { fetches: number };
  return body.fetches;
}
