// Schemas shared by several resources: the error body and common fields.
import { z } from '@hono/zod-openapi';
import { ERROR_STATUS } from '../errors';

const ErrorBodySchema = z
  .object({
    error: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    retry_after: z.number().int().optional(),
  })
  .openapi('Error');

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBodySchema } },
});

/** OpenAPI response entries for the error statuses a route can answer. */
export function errorResponses(...statuses: (keyof typeof ERROR_DESCRIPTIONS)[]) {
  return Object.fromEntries(statuses.map((s) => [s, errorResponse(ERROR_DESCRIPTIONS[s])]));
}

const ERROR_DESCRIPTIONS = {
  400: 'Invalid request (details name the offending fields)',
  401: 'Authentication required',
  403: 'Permission denied',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  429: 'Rate limit exceeded',
  451: 'Taken down by the registry operators (the reason is in the message and details)',
  503: 'Service unavailable',
} as const;

/** RFC 3339 UTC timestamps, as the contract wants. */
export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-11-27T12:00:00.000Z' });
export const Id = z.string().openapi({ format: 'uuid' });

/**
 * A path parameter, lowercased here once so no handler has to (names,
 * usernames, ids and categories are all stored lowercase).
 */
export const pathParam = (name: string, max: number, example?: string) =>
  z
    .string()
    .min(1)
    .max(max)
    .toLowerCase()
    .openapi({ param: { name, in: 'path' }, ...(example === undefined ? {} : { example }) });

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});
