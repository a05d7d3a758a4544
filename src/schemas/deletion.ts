// Deletion by owners: request and reply shapes.
import { z } from '@hono/zod-openapi';

export const DeleteBody = z
  .object({
    version: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .openapi({ description: 'The version to delete; absent deletes the whole package.', example: '1.0.0' }),
  })
  // Strict: a misspelt `version` must not silently mean "the whole package".
  .strict()
  .openapi('DeleteRequest');

export const DeletedReply = z
  .object({
    name: z.string(),
    version: z.string().optional().openapi({ description: 'Present when one version was deleted.' }),
    deleted: z.literal(true),
  })
  .openapi('Deleted');
