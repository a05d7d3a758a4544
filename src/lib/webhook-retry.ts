// What happens after a delivery attempt: done, retry later, or give up.

/** Cloudflare Queues accept a retry delay of at most 12 hours. */
export const MAX_RETRY_DELAY_SECONDS = 43_200;

export interface RetryPolicy {
  maxAttempts: number;
  /** Delay after the first failure; each later one is four times longer. */
  baseSeconds: number;
}

export type AttemptOutcome =
  | { status: 'succeeded' }
  | { status: 'failed' }
  | { status: 'pending'; retryInSeconds: number };

/** Seconds to wait after failed attempt `attempt` (1-based): base * 4^(attempt-1), capped. */
export function backoffSeconds(attempt: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 4 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_SECONDS);
}

/** Only a 2xx counts; redirects are not followed, so a 3xx is a failure too. */
const isSuccess = (statusCode: number | null) => statusCode !== null && statusCode >= 200 && statusCode < 300;

export function outcomeOf(attempt: number, statusCode: number | null, policy: RetryPolicy): AttemptOutcome {
  if (isSuccess(statusCode)) return { status: 'succeeded' };
  if (attempt >= policy.maxAttempts) return { status: 'failed' };
  return { status: 'pending', retryInSeconds: backoffSeconds(attempt, policy.baseSeconds) };
}
