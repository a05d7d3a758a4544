// The webhook queue's consumer: one message per delivery. The delivery row, not
// the message, holds the state (attempts, lease, outcome), so duplicate or
// replayed messages are harmless; the message only says "look at this one now".
import { loadConfig } from '../config';
import { databaseFor } from '../db/client';
import { log } from '../lib/log';
import { deliver } from '../services/deliveries';
import type { DeliveryMessage } from '../services/events';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function deliveryIdOf(body: unknown): string | undefined {
  const id = (body as Partial<DeliveryMessage> | null)?.delivery_id;
  return typeof id === 'string' && UUID.test(id) ? id : undefined;
}

export async function handleWebhookBatch(batch: MessageBatch, env: Env): Promise<void> {
  const config = loadConfig(env);
  const db = databaseFor(config);
  try {
    await Promise.all(
      batch.messages.map(async (message) => {
        const id = deliveryIdOf(message.body);
        if (!id) {
          // Not ours to understand; retrying would not change it.
          message.ack();
          return;
        }
        try {
          const result = await deliver(db.query, config, id);
          if (result.done) message.ack();
          else message.retry({ delaySeconds: result.retryInSeconds });
        } catch (err) {
          // The database failed, not the target: let the queue bring it back (retry_delay).
          log.error('webhook delivery failed', err, { delivery_id: id });
          message.retry();
        }
      }),
    );
  } finally {
    await db.close();
  }
}
