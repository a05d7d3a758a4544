// The contract's shapes as test matchers, in one place: timestamps, ids, the
// error body, where a tarball lives in R2, and the publish request's multipart
// body. Restated here rather than imported from src/, so a test fails when the
// code drifts from the contract instead of following it.
import { expect } from 'vitest';

/** RFC 3339 UTC with milliseconds, as every timestamp in a reply. */
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A lowercase UUID, as every id in a reply. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Asymmetric matchers for use inside `toEqual({...})`. */
export const anIso = () => expect.stringMatching(ISO);
export const aUuid = () => expect.stringMatching(UUID);

/** API.md's error codes and the status each one always comes with. */
const ERROR_STATUS = {
  invalid_request: 400,
  authentication_required: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limit_exceeded: 429,
  taken_down: 451,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The code that goes with an error status (`internal_error` for one the contract does not list). */
export const errorCodeFor = (status: number): ErrorCode =>
  (Object.keys(ERROR_STATUS) as ErrorCode[]).find((code) => ERROR_STATUS[code] === status) ?? 'internal_error';

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  retry_after?: number;
}

/**
 * The contract's error body, for `toEqual`: `{error, message}` and nothing else
 * unless `extra` names it (details, retry_after). `message` defaults to any string.
 */
export function errorBody(
  code: ErrorCode,
  extra: { message?: unknown; details?: unknown; retry_after?: unknown } = {},
) {
  const { message = expect.any(String), ...rest } = extra;
  return { error: code, message, ...rest };
}

/** Asserts a reply is exactly the contract's error for `code`, with its status. */
export function expectError(
  reply: { status: number; body: unknown },
  code: ErrorCode,
  extra?: Parameters<typeof errorBody>[1],
): void {
  expect({ status: reply.status, body: reply.body }).toEqual({
    status: ERROR_STATUS[code],
    body: errorBody(code, extra),
  });
}

/** Where a tarball with this `sha256:<hex>` checksum is stored in the TARBALLS bucket. */
export const r2KeyFor = (checksum: string) => `tarballs/sha256/${checksum.slice('sha256:'.length)}.tar.gz`;

export interface MultipartOptions {
  /** The metadata part's name: the CLI says `metadata`, the spec `manifest`. */
  metadataPart?: string;
  filename?: string;
  omitTarball?: boolean;
  omitMetadata?: boolean;
}

const encoder = new TextEncoder();

/**
 * A publish body exactly as `raven pkg publish` sends it: a text part
 * `metadata` (JSON) and a file part `tarball` named `<name>-<version>.tar.gz`
 * with no Content-Type, built by hand so no FormData encoder adds headers the
 * CLI does not send.
 */
export function multipartBody(metadata: unknown, tarball: Uint8Array, options: MultipartOptions = {}) {
  const boundary = `----ravenboundary${crypto.randomUUID().replaceAll('-', '')}`;
  const meta = metadata as { name?: string; version?: string };
  const filename = options.filename ?? `${meta.name}-${meta.version}.tar.gz`;
  const parts: Uint8Array[] = [];
  if (!options.omitMetadata) {
    const json = typeof metadata === 'string' ? metadata : JSON.stringify(metadata);
    parts.push(
      encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${options.metadataPart ?? 'metadata'}"\r\n\r\n${json}\r\n`,
      ),
    );
  }
  if (!options.omitTarball) {
    parts.push(
      encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="tarball"; filename="${filename}"\r\n\r\n`),
      tarball,
      encoder.encode('\r\n'),
    );
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    body.set(p, offset);
    offset += p.byteLength;
  }
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
