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

/**
 * What an unexpected error may put in a log line. Drizzle's query errors embed
 * the SQL parameters in their message (emails, names), so log the driver's
 * cause and its SQLSTATE instead.
 */
export function describeError(err: unknown): { error: string; code?: string } {
  if (!(err instanceof Error)) return { error: String(err) };
  if (err.message.startsWith('Failed query')) {
    // Never drizzle's own message (it carries the parameters); the driver's cause, whatever its type.
    const cause = err.cause as { name?: unknown; message?: unknown; type?: unknown; code?: unknown } | undefined;
    const what = typeof cause?.message === 'string' ? cause.message : String(cause?.type ?? 'unknown cause');
    const name = typeof cause?.name === 'string' ? cause.name : 'Error';
    return {
      error: `Failed query: ${name}: ${what}`,
      ...(typeof cause?.code === 'string' ? { code: cause.code } : {}),
    };
  }
  const code = (err as { code?: unknown }).code;
  return { error: `${err.name}: ${err.message}`, ...(typeof code === 'string' ? { code } : {}) };
}
