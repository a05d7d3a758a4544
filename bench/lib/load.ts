// A thin wrapper over autocannon: one measured scenario, summarised.
import autocannon from 'autocannon';

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  connections?: number;
  /** Seconds; ignored when `amount` is set. */
  duration?: number;
  amount?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Per-request variation (e.g. a different package each time). */
  setupRequest?: (req: { path: string; method?: string; headers?: Record<string, string>; body?: unknown }) => {
    path: string;
    method?: string;
    headers?: Record<string, string>;
    body?: unknown;
  };
  /** Which statuses count as success (default 2xx). */
  expect?: (status: number) => boolean;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const expect = options.expect ?? ((s: number) => s >= 200 && s < 300);
  let unexpected = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections ?? 10,
        duration: options.duration ?? 5,
        amount: options.amount,
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        requests: options.setupRequest ? [{ setupRequest: options.setupRequest as never }] : undefined,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, statusCode) => {
      if (!expect(statusCode)) unexpected++;
    });
  });
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: unexpected,
  };
}
