// Sending one webhook delivery: claim it (a lease, so two copies of a queue
// message never send at once), POST the event's stored body signed with the
// webhook's secret, record the attempt and decide what comes next - all state
// in Postgres, each step one statement.
import { sql } from 'drizzle-orm';
import { type Config, webhookSecretKey } from '../config';
import type { Queryable } from '../db/client';
import { openSecret, sealingKey, signatureHeader } from '../lib/webhook-crypto';
import { type AttemptOutcome, outcomeOf } from '../lib/webhook-retry';
import { checkWebhookUrl } from '../lib/webhook-url';

const USER_AGENT = 'Raven-Registry-Webhooks/1';
/** A queue copy arriving this much before the delivery is due still counts as on time (clock skew). */
const EARLY_SLACK_SECONDS = 5;
/** Pending deliveries this overdue are taken to be lost by the queue and sent again by the sweeper. */
const STALE_AFTER_SECONDS = 300;
const MAX_ERROR_LENGTH = 300;

type Claimed = {
  attempt: number;
  webhook_id: string;
  url: string;
  secret_ciphertext: string;
  event: string;
  payload: string;
};

/**
 * Takes the lease on a pending, due delivery and counts the attempt. Nothing
 * comes back when it is already final, gone (webhook deleted), being sent by
 * another consumer, or not due yet (a duplicate message; the scheduled retry
 * or the sweeper will bring it back).
 */
async function claim(db: Queryable, deliveryId: string, leaseSeconds: number): Promise<Claimed | undefined> {
  const result = await db.execute<Claimed>(sql`
    update webhook_deliveries d
    set attempt_count = d.attempt_count + 1, locked_until = now() + ${leaseSeconds}::int * interval '1 second'
    from webhooks w, webhook_events e
    where d.id = ${deliveryId} and w.id = d.webhook_id and e.id = d.event_id
      and d.status = 'pending'
      and (d.locked_until is null or d.locked_until < now())
      and d.next_attempt_at <= now() + ${EARLY_SLACK_SECONDS}::int * interval '1 second'
    returning d.attempt_count as attempt, w.id as webhook_id, w.url, w.secret_ciphertext, e.event, e.payload`);
  return result.rows[0];
}

interface Attempt {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

/** Logs the attempt and moves the delivery on (succeeded, failed, or pending until the retry is due). */
async function finish(db: Queryable, deliveryId: string, attempt: number, a: Attempt, outcome: AttemptOutcome) {
  const retryIn = outcome.status === 'pending' ? outcome.retryInSeconds : 0;
  await db.execute(sql`
    with logged as (
      insert into webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
      values (${deliveryId}::uuid, ${attempt}::int, ${a.startedAt.toISOString()}::timestamptz, ${a.durationMs}::int,
        ${a.statusCode}::int, ${a.error}::text)
      on conflict do nothing
    )
    update webhook_deliveries set
      status = ${outcome.status}::text,
      locked_until = null,
      next_attempt_at = now() + ${retryIn}::int * interval '1 second',
      completed_at = case when ${outcome.status}::text = 'pending' then null else now() end
    where id = ${deliveryId}`);
}

async function send(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Attempt> {
  const startedAt = new Date();
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      // A redirect could point anywhere, including places checkWebhookUrl refuses.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    statusCode = res.status;
    await res.body?.cancel();
    if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    error =
      name === 'TimeoutError' || name === 'AbortError'
        ? `No response within ${timeoutMs} ms.`
        : `Request failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  const durationMs = Math.max(0, Math.round(performance.now() - started));
  return { startedAt, durationMs, statusCode, error: error?.slice(0, MAX_ERROR_LENGTH) ?? null };
}

export type DeliveryResult = { done: true } | { done: false; retryInSeconds: number };

/** One attempt at one delivery. Throws only when the database does (the queue then retries the message). */
export async function deliver(db: Queryable, config: Config, deliveryId: string): Promise<DeliveryResult> {
  const leaseSeconds = Math.ceil(config.WEBHOOK_TIMEOUT_MS / 1000) + 30;
  const claimed = await claim(db, deliveryId, leaseSeconds);
  if (!claimed) return { done: true };
  const policy = { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, baseSeconds: config.WEBHOOK_RETRY_BASE_SECONDS };

  const refusal = await reasonNotToSend(config, claimed);
  if (typeof refusal === 'string') {
    // Retrying cannot help: the target or the secret is unusable as configured now.
    const attempt = { startedAt: new Date(), durationMs: 0, statusCode: null, error: refusal };
    await finish(db, deliveryId, claimed.attempt, attempt, { status: 'failed' });
    return { done: true };
  }

  const result = await send(
    claimed.url,
    claimed.payload,
    {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': USER_AGENT,
      'X-Raven-Event': claimed.event,
      'X-Raven-Delivery': deliveryId,
      'X-Raven-Attempt': String(claimed.attempt),
      // Signed now, per attempt: receivers reject a `t` more than 5 minutes off their clock.
      'X-Raven-Signature': await signatureHeader(refusal.secret, claimed.payload),
    },
    config.WEBHOOK_TIMEOUT_MS,
  );
  const outcome = outcomeOf(claimed.attempt, result.statusCode, policy);
  await finish(db, deliveryId, claimed.attempt, result, outcome);
  return outcome.status === 'pending' ? { done: false, retryInSeconds: outcome.retryInSeconds } : { done: true };
}

async function reasonNotToSend(config: Config, claimed: Claimed): Promise<string | { secret: string }> {
  const check = checkWebhookUrl(claimed.url, { allowLocal: config.WEBHOOKS_ALLOW_LOCAL });
  if (!check.ok) return `Target refused: ${check.reason}`;
  // Outside the try: a missing key is the Worker's configuration, not this delivery's fault (the queue retries).
  const key = await sealingKey(webhookSecretKey(config));
  try {
    return { secret: await openSecret(key, claimed.secret_ciphertext, claimed.webhook_id) };
  } catch {
    return 'The stored secret could not be unsealed (was WEBHOOK_SECRET_KEY changed?).';
  }
}

/** How long finished deliveries (and their events and attempts) stay listed. */
const HISTORY_DAYS = 30;

/**
 * Forgets events older than HISTORY_DAYS whose deliveries are all final;
 * deliveries and attempts go with them (cascade). Bounded per call.
 */
export async function pruneHistory(db: Queryable, limit = 1000): Promise<number> {
  const result = await db.execute<{ id: string }>(sql`
    delete from webhook_events where id in (
      select e.id from webhook_events e
      where e.created_at < now() - ${HISTORY_DAYS}::int * interval '1 day'
        and e.dispatched_at is not null
        and not exists (select 1 from webhook_deliveries d where d.event_id = e.id and d.status = 'pending')
      limit ${limit}::int
    )
    returning id`);
  return result.rows.length;
}

/**
 * Webhooks of deleted packages (package_id null) whose deliveries are all
 * final: nobody can see or manage them any more, so they go, with their
 * delivery history. Deletions are rare; the partial index keeps this cheap.
 */
export async function pruneOrphanWebhooks(db: Queryable, limit = 100): Promise<number> {
  const result = await db.execute<{ id: string }>(sql`
    delete from webhooks where id in (
      select w.id from webhooks w
      where w.package_id is null
        and not exists (select 1 from webhook_deliveries d where d.webhook_id = w.id and d.status = 'pending')
      limit ${limit}::int
    )
    returning id`);
  return result.rows.length;
}

/**
 * Pending deliveries long past due and not leased: their queue message was
 * never sent or got lost. Marks them due now and returns them for re-sending.
 */
export async function takeStaleDeliveries(db: Queryable, limit = 500): Promise<string[]> {
  const result = await db.execute<{ id: string }>(sql`
    update webhook_deliveries set next_attempt_at = now()
    where id in (
      select id from webhook_deliveries
      where status = 'pending'
        and next_attempt_at < now() - ${STALE_AFTER_SECONDS}::int * interval '1 second'
        and (locked_until is null or locked_until < now())
      order by next_attempt_at
      limit ${limit}::int
      for update skip locked
    )
    returning id`);
  return result.rows.map((r) => r.id);
}
