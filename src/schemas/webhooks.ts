// Webhooks: request and reply shapes. Strings are never null.
import { z } from '@hono/zod-openapi';
import { MAX_WEBHOOK_URL_LENGTH } from '../lib/webhook-url';
import { Id, pathParam, Timestamp } from './common';
import { NameParam } from './packages';

export const WEBHOOK_EVENTS = [
  'package.published',
  'package.yanked',
  'package.deprecated',
  'version.deleted',
  'package.deleted',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];
const WebhookEvent = z.enum(WEBHOOK_EVENTS).openapi({ example: 'package.published' });

export const CreateWebhookBody = z
  .object({
    /** Checked further by checkWebhookUrl (scheme, port, private ranges) in the service. */
    url: z.string().trim().min(1).max(MAX_WEBHOOK_URL_LENGTH).openapi({ example: 'https://ci.example.com/raven' }),
    events: z
      .array(WebhookEvent)
      .min(1, 'At least one event.')
      .max(WEBHOOK_EVENTS.length * 2)
      .default([...WEBHOOK_EVENTS])
      .transform((events) => [...new Set(events)])
      .openapi({ description: 'Defaults to every event.' }),
  })
  .openapi('CreateWebhookRequest');

export const WebhookParam = NameParam.extend({ id: pathParam('id', 64).openapi({ format: 'uuid' }) });

export const DeliveryParam = WebhookParam.extend({
  delivery_id: pathParam('delivery_id', 64).openapi({ format: 'uuid' }),
});

export const PauseWebhookBody = z.object({ paused: z.boolean() }).openapi('PauseWebhookRequest');
export const WebhookPausedReply = z.object({ id: Id, paused: z.boolean() }).openapi('WebhookPaused');
export const RedeliveryReply = z.object({ delivery_id: Id, status: z.literal('pending') }).openapi('Redelivery');

export const DeliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const WebhookFields = {
  id: Id,
  url: z.string(),
  events: z.array(WebhookEvent),
  created_at: Timestamp,
  created_by: z.string().openapi({ description: 'Username; "" if that account is gone.' }),
  paused: z.boolean().openapi({ description: 'Paused webhooks get no deliveries for new events.' }),
};

const WebhookReply = z.object(WebhookFields).openapi('Webhook');
export const WebhooksReply = z.object({ name: z.string(), webhooks: z.array(WebhookReply) }).openapi('Webhooks');
export const WebhookCreatedReply = z
  .object({
    ...WebhookFields,
    secret: z.string().openapi({ description: 'Shown once: the HMAC-SHA256 key for X-Raven-Signature.' }),
  })
  .openapi('WebhookCreated');
export const WebhookDeletedReply = z.object({ id: Id, deleted: z.literal(true) }).openapi('WebhookDeleted');

export const DeliveriesReply = z
  .object({
    webhook_id: Id,
    deliveries: z.array(
      z.object({
        delivery_id: Id,
        event_id: Id,
        event: WebhookEvent,
        version: z.string(),
        status: z.enum(['pending', 'succeeded', 'failed']),
        created_at: Timestamp,
        completed_at: z.string().openapi({ description: 'Timestamp, or "" while pending.' }),
        attempts: z.array(
          z.object({
            attempt: z.number().int().positive(),
            started_at: Timestamp,
            duration_ms: z.number().int().nonnegative(),
            status_code: z.number().int().nonnegative().openapi({ description: '0 when no HTTP response came back.' }),
            error: z.string(),
          }),
        ),
      }),
    ),
  })
  .openapi('WebhookDeliveries');
