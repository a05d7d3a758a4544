// The one error type and the one renderer of API.md's error body.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const ERROR_STATUS = {
  invalid_request: 400,
  authentication_required: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limit_exceeded: 429,
  /** Removed by the registry's operators (a takedown); the message and details carry the reason. */
  taken_down: 451,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  retry_after?: number;
}

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers, e.g. Retry-After on a 429. */
    readonly headers?: Record<string, string>,
    /** Extra top-level body fields, e.g. retry_after on a 429. */
    readonly extra?: Partial<Pick<ErrorBody, 'retry_after'>>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

export const invalid = (message: string, fields?: Record<string, string>) =>
  new ApiError('invalid_request', message, fields ? { fields } : undefined);
export const unauthenticated = (message = 'A valid bearer token is required.') =>
  new ApiError('authentication_required', message);
export const forbidden = (message: string) => new ApiError('permission_denied', message);
export const notFound = (message: string) => new ApiError('not_found', message);
/** What a read of something operators took down answers: 451 with their reason. */
export const takenDown = (what: string, takedown: Takedown) =>
  new ApiError('taken_down', `${what} was taken down by the registry operators: ${takedown.reason}`, {
    reason: takedown.reason,
    scope: takedown.scope,
    taken_down_at: takedown.taken_down_at,
  });

export interface Takedown {
  scope: 'package' | 'version';
  reason: string;
  taken_down_at: string;
}

export const conflict = (message: string, details?: Record<string, unknown>) =>
  new ApiError('conflict', message, details);

/** Renders any thrown value as the contract's error body; unknown errors become an opaque 500. */
export function renderError(c: Context, err: unknown, requestId: string): Response {
  if (err instanceof ApiError) {
    const body: ErrorBody = { error: err.code, message: err.message, ...err.extra };
    if (err.details) body.details = err.details;
    return c.json(body, err.status, err.headers);
  }
  const body: ErrorBody = {
    error: 'internal_error',
    message: 'Something went wrong on our side. Quote the request id if you report it.',
    details: { request_id: requestId },
  };
  return c.json(body, 500);
}
