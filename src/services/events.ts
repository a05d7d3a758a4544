// Package events for webhooks, through an outbox:
//   1. recordEvent - inside the publish/yank/deprecate transaction, so the event
//      exists exactly when the change does (no event for a rolled-back change,
//      no change without its event);
//   2. dispatchEvents - after the commit (waitUntil, or the cron sweeper): one
//      statement turns undispatched events into one delivery per subscribed
//      webhook (unique per webhook and event, so running it twice is harmless),
//      then one queue message per new delivery;
//   3. the queue consumer sends each delivery (src/queue/consumer.ts).
// A crash between 1 and 2 leaves an undispatched event; one between the
// statement and the queue send leaves a pending delivery nobody enqueued. The
// sweeper (src/queue/sweeper.ts) finds both.
import { sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../db/client';
import type { AuthContext } from '../env';
import { log } from '../lib/log';

import type { WebhookEventName } from '../schemas/webhooks';

export type { WebhookEventName };

export interface EventInput {
  event: WebhookEventName;
  packageId: string;
  packageName: string;
  /** The version the event is about (publish, yank); omitted from the body when absent. */
  version?: string;
  data: Record<string, unknown>;
}

/** What every delivery of the event sends, byte for byte. */
interface EventBody {
  id: string;
  event: WebhookEventName;
  package: string;
  version?: string;
  actor: { username: string; user_id: string };
  occurred_at: string;
  data: Record<string, unknown>;
}

/**
 * Records an event in the outbox. Call inside the transaction that makes the
 * change. Writes nothing when no webhook of the package wants this event (a new
 * package has none), so the outbox only grows for packages that use webhooks.
 */
export async function recordEvent(tx: Tx, actor: AuthContext, input: EventInput): Promise<void> {
  const id = crypto.randomUUID();
  const occurredAt = new Date();
  const body: EventBody = {
    id,
    event: input.event,
    package: input.packageName,
    ...(input.version !== undefined ? { version: input.version } : {}),
    actor: { username: actor.username, user_id: actor.userId },
    occurred_at: occurredAt.toISOString(),
    data: input.data,
  };
  await tx.execute(sql`
    insert into webhook_events (id, package_id, event, version, actor_id, payload, created_at)
    select ${id}::uuid, ${input.packageId}::uuid, ${input.event}::text, ${input.version ?? null}::text,
      ${actor.userId}::uuid, ${JSON.stringify(body)}::text, ${occurredAt.toISOString()}::timestamptz
    where exists (
      select 1 from webhooks w where w.package_id = ${input.packageId}::uuid and ${input.event}::text = any(w.events)
        and w.paused_at is null
    )`);
}

export interface DeliveryMessage {
  delivery_id: string;
}

/** Which undispatched events to take: those one user's request just recorded, or all (the sweeper). */
export type DispatchScope = { actorId: string } | { all: true };

const DISPATCH_BATCH = 100;
const QUEUE_BATCH = 100;

export interface DispatchResult {
  events: number;
  deliveries: number;
  /** Events over the per-package limit: marked dropped, nothing sent. */
  dropped: number;
}

/**
 * Turns undispatched events into deliveries and queue messages. Concurrent
 * callers skip each other's locked rows; a delivery row exists at most once per
 * (webhook, event), and only rows this call inserted are enqueued.
 *
 * The per-package limit: an event is dropped (recorded, never delivered) when
 * its package already had `perPackagePerHour` events in the hour before it, so
 * toggling deprecation or yank in a loop cannot make the registry send signed
 * POSTs without bound; the action itself has long succeeded. Every event
 * counts, dropped ones too, which makes the verdict a function of the stored
 * events alone: whichever dispatcher (request or sweeper) judges an event, and
 * however they race, the answer is the same and no rolling hour delivers more
 * than the limit. The count stops at the limit, so it reads at most that many
 * index entries per event.
 */
export async function dispatchEvents(
  db: Queryable,
  queue: Queue,
  scope: DispatchScope,
  perPackagePerHour: number,
): Promise<DispatchResult> {
  const filter = 'actorId' in scope ? sql`and actor_id = ${scope.actorId}::uuid` : sql``;
  const result = await db.execute<{ events: number; dropped: number; dropped_packages: string[]; ids: string[] }>(sql`
    with picked as (
      select id, package_id, event, created_at from webhook_events
      where dispatched_at is null ${filter}
      order by created_at
      limit ${DISPATCH_BATCH}::int
      for update skip locked
    ), judged as (
      select p.id, p.package_id, p.event, (
        select count(*) from (
          select 1 from webhook_events x
          where x.package_id = p.package_id
            and x.created_at > p.created_at - interval '1 hour'
            and (x.created_at, x.id) < (p.created_at, p.id)
          limit ${perPackagePerHour}::int
        ) earlier
      ) >= ${perPackagePerHour}::int as dropped
      from picked p
    ), marked as (
      update webhook_events e set dispatched_at = now(), dropped = j.dropped
      from judged j where e.id = j.id
      returning e.id
    ), inserted as (
      insert into webhook_deliveries (webhook_id, event_id)
      select w.id, j.id from judged j
      join webhooks w on w.package_id = j.package_id and j.event = any(w.events) and w.paused_at is null
      where not j.dropped
      on conflict (webhook_id, event_id) do nothing
      returning id
    )
    select (select count(*) from marked)::int as events,
      (select count(*) from judged where dropped)::int as dropped,
      coalesce((select json_agg(distinct package_id) from judged where dropped), '[]'::json) as dropped_packages,
      coalesce((select json_agg(id) from inserted), '[]'::json) as ids`);
  const row = result.rows[0];
  const ids = row?.ids ?? [];
  const droppedPackages = row?.dropped_packages ?? [];
  await enqueueDeliveries(queue, ids);
  if (droppedPackages.length > 0) {
    log.warn('webhook events over the per-package limit dropped', {
      limit_per_hour: perPackagePerHour,
      dropped: Number(row?.dropped ?? 0),
      package_ids: droppedPackages,
    });
  }
  return { events: Number(row?.events ?? 0), deliveries: ids.length, dropped: Number(row?.dropped ?? 0) };
}

export async function enqueueDeliveries(queue: Queue, deliveryIds: string[]): Promise<void> {
  for (let i = 0; i < deliveryIds.length; i += QUEUE_BATCH) {
    const chunk = deliveryIds.slice(i, i + QUEUE_BATCH);
    await queue.sendBatch(
      chunk.map((id) => ({ body: { delivery_id: id } satisfies DeliveryMessage, contentType: 'json' })),
    );
  }
}
