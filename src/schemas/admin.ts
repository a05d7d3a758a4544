// Operator routes (/admin/...): request bodies and replies.
import { z } from '@hono/zod-openapi';
import { Id, Timestamp } from './common';

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const OperatorAuditReply = z
  .object({
    entries: z.array(
      z.object({
        id: Id,
        action: z.string(),
        actor: z.object({ username: z.string(), user_id: z.string() }),
        package: z.string(),
        version: z.string(),
        username: z.string(),
        name: z.string(),
        reason: z.string(),
        created_at: Timestamp,
      }),
    ),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('OperatorAudit');
