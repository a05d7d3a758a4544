// Reports: request and reply shapes. Strings are never null ("" when absent).
import { z } from '@hono/zod-openapi';
import { REPORT_KINDS } from '../db/schema';
import { plainText, refusesControlChars } from '../lib/text-rules';
import { PageQuery } from './admin';
import { Id, pathParam, Timestamp } from './common';

/**
 * Paragraphs are welcome in a report (CRLF becomes LF, tabs spaces); every
 * other control character and bidi override is refused, as in other text a
 * person reads (src/lib/text-rules.ts).
 */
const ReportText = z
  .string()
  .trim()
  .min(1)
  .max(5000)
  .transform((s) => s.replace(/\r\n?/g, '\n').replace(/\t/g, ' '))
  .refine(
    (s) => !refusesControlChars(s.replaceAll('\n', '')),
    'Control characters other than newlines are not allowed.',
  );

export const ReportBody = z
  .object({
    version: z.string().min(1).max(128).optional().openapi({ description: 'A version, when the report is about one.' }),
    kind: z.enum(REPORT_KINDS).openapi({ example: 'malware' }),
    text: ReportText.openapi({ description: 'What is wrong, for the operators (1-5000 characters; newlines kept).' }),
  })
  .openapi('ReportRequest');

export const ReportCreatedReply = z.object({ report_id: Id }).openapi('ReportCreated');

export const ReportParam = z.object({ id: pathParam('id', 64).openapi({ format: 'uuid' }) });

export const ReportsQuery = PageQuery.extend({
  status: z.enum(['open', 'closed', 'all']).default('open'),
});

export const CloseReportBody = z
  .object({ resolution: plainText(z.string().trim().min(1).max(2000)) })
  .openapi('CloseReportRequest');

export const ReportReply = z
  .object({
    report_id: Id,
    package: z.string(),
    version: z.string().openapi({ description: '"" when the report is about the whole package.' }),
    kind: z.enum(REPORT_KINDS),
    text: z.string(),
    reporter: z.object({ username: z.string(), user_id: z.string() }),
    status: z.enum(['open', 'closed']),
    resolution: z.string(),
    closed_by: z.string().openapi({ description: 'Username of the operator who closed it; "" while open.' }),
    created_at: Timestamp,
    closed_at: z.string().openapi({ description: 'RFC 3339; "" while open.' }),
  })
  .openapi('Report');

export const ReportsReply = z
  .object({ reports: z.array(ReportReply), limit: z.number().int(), offset: z.number().int() })
  .openapi('Reports');
