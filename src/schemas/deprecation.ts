// Deprecation: request and reply shapes. Strings are never null.
import { z } from '@hono/zod-openapi';
import { safeText } from '../lib/text-rules';
import { Timestamp } from './common';

export const DeprecateBody = z
  .object({ message: safeText.trim().min(1).max(1024).openapi({ example: 'Use raven-forms instead.' }) })
  .openapi('DeprecateRequest');
export const DeprecatedReply = z
  .object({ name: z.string(), deprecated: z.literal(true), message: z.string(), deprecated_at: Timestamp })
  .openapi('Deprecated');
export const UndeprecatedReply = z.object({ name: z.string(), deprecated: z.literal(false) }).openapi('Undeprecated');
