// Managing a package's webhooks (owners only) and reading their deliveries.
// Reads are one statement each, the caller's role fetched alongside the rows so
// "no such package" (404) and "not an owner" (403) need no extra round trip.
import { and, count, eq, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { iso, madeRowsJson } from '../db/fragments';
import { webhooks } from '../db/schema';
import type { AuthContext } from '../env';
import { conflict, invalid, notFound } from '../errors';
import { generateWebhookSecret, sealSecret } from '../lib/webhook-crypto';
import { checkWebhookUrl, type UrlPolicy } from '../lib/webhook-url';
import { callerRole, lockAs, requireRole } from './access';
import { writeAudit } from './audit';
import { enqueueDeliveries, type WebhookEventName } from './events';

/** Each webhook multiplies every event; a bound keeps one package from fanning out without limit. */
const MAX_WEBHOOKS_PER_PACKAGE = 10;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const MANAGE = 'manage its webhooks';
const noWebhook = (name: string) => notFound(`"${name}" has no such webhook.`);

export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEventName[];
  created_at: string;
  created_by: string;
  /** Paused webhooks get no deliveries for new events (ones already pending still go out). */
  paused: boolean;
}

const webhookJson = sql`json_build_object(
  'id', w.id, 'url', w.url, 'events', w.events, 'created_at', ${iso('w.created_at')},
  'created_by', coalesce(u.username, ''), 'paused', w.paused_at is not null)`;

export async function listWebhooks(db: Queryable, name: string, actor: AuthContext): Promise<WebhookView[]> {
  const result = await db.execute<{ role: string | null; webhooks: WebhookView[] }>(sql`
    select ${callerRole(actor.userId)} as role, ${madeRowsJson('webhooks', 'w', webhookJson)} as webhooks
    from packages p where p.name = ${name}`);
  return requireRole(name, result.rows[0], 'owner', MANAGE).webhooks;
}

export interface CreateWebhookInput {
  url: string;
  events: WebhookEventName[];
}

/** Creates a webhook with a fresh secret; the plain secret is returned once and stored only sealed. */
export async function createWebhook(
  db: Database,
  deps: { sealingKey: CryptoKey; urlPolicy: UrlPolicy },
  actor: AuthContext,
  name: string,
  input: CreateWebhookInput,
): Promise<WebhookView & { secret: string }> {
  const checked = checkWebhookUrl(input.url, deps.urlPolicy);
  if (!checked.ok) throw invalid(`Refused webhook URL: ${checked.reason}`, { url: checked.reason });
  const id = crypto.randomUUID();
  const secret = generateWebhookSecret();
  const sealed = await sealSecret(deps.sealingKey, secret, id);
  try {
    return await db.transaction(async (tx) => {
      // Locked so the per-package bound holds under concurrent creates.
      const pkg = await lockAs(tx, name, actor, 'owner', MANAGE);
      const [existing] = await tx.select({ n: count() }).from(webhooks).where(eq(webhooks.packageId, pkg.id));
      if ((existing?.n ?? 0) >= MAX_WEBHOOKS_PER_PACKAGE) {
        throw conflict(`"${name}" already has ${MAX_WEBHOOKS_PER_PACKAGE} webhooks; delete one first.`);
      }
      const [row] = await tx
        .insert(webhooks)
        .values({
          id,
          packageId: pkg.id,
          url: checked.url,
          events: input.events,
          secretCiphertext: sealed,
          createdBy: actor.userId,
        })
        .returning({ createdAt: webhooks.createdAt });
      if (!row) throw new Error('webhook insert returned nothing');
      // The URL and events, never the secret.
      await writeAudit(tx, actor, {
        action: 'webhook.create',
        packageId: pkg.id,
        details: { webhook_id: id, url: checked.url, events: input.events },
      });
      return {
        id,
        url: checked.url,
        events: input.events,
        created_at: row.createdAt.toISOString(),
        created_by: actor.username,
        paused: false,
        secret,
      };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'webhooks_package_url_key')) {
      throw conflict(`"${name}" already has a webhook for that URL.`, { url: checked.url });
    }
    throw err;
  }
}

export async function deleteWebhook(db: Database, actor: AuthContext, name: string, webhookId: string): Promise<void> {
  if (!UUID.test(webhookId)) throw noWebhook(name);
  await db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', MANAGE);
    const deleted = await tx
      .delete(webhooks)
      .where(and(eq(webhooks.id, webhookId), eq(webhooks.packageId, pkg.id)))
      .returning({ id: webhooks.id, url: webhooks.url });
    if (!deleted[0]) throw noWebhook(name);
    await writeAudit(tx, actor, {
      action: 'webhook.delete',
      packageId: pkg.id,
      details: { webhook_id: webhookId, url: deleted[0].url },
    });
  });
}

export interface DeliveryView {
  delivery_id: string;
  event_id: string;
  event: WebhookEventName;
  version: string;
  status: 'pending' | 'succeeded' | 'failed';
  created_at: string;
  completed_at: string;
  attempts: { attempt: number; started_at: string; duration_ms: number; status_code: number; error: string }[];
}

/** The webhook's most recent deliveries, newest first, each with every attempt. */
export async function listDeliveries(
  db: Queryable,
  actor: AuthContext,
  name: string,
  webhookId: string,
  limit: number,
): Promise<DeliveryView[]> {
  if (!UUID.test(webhookId)) throw noWebhook(name);
  const result = await db.execute<{ role: string | null; found: boolean; deliveries: DeliveryView[] }>(sql`
    select
      ${callerRole(actor.userId)} as role,
      exists (select 1 from webhooks w where w.id = ${webhookId} and w.package_id = p.id) as found,
      coalesce((
        select json_agg(json_build_object(
          'delivery_id', d.id, 'event_id', d.event_id, 'event', e.event, 'version', coalesce(e.version, ''),
          'status', d.status, 'created_at', ${iso('d.created_at')},
          'completed_at', coalesce(${iso('d.completed_at')}, ''),
          'attempts', coalesce((
            select json_agg(json_build_object(
              'attempt', a.attempt, 'started_at', ${iso('a.started_at')}, 'duration_ms', a.duration_ms,
              'status_code', coalesce(a.status_code, 0), 'error', coalesce(a.error, '')
            ) order by a.attempt)
            from webhook_attempts a where a.delivery_id = d.id
          ), '[]'::json)
        ) order by d.created_at desc, d.id)
        from (
          select * from webhook_deliveries
          where webhook_id = ${webhookId} and exists (select 1 from webhooks w where w.id = ${webhookId} and w.package_id = p.id)
          order by created_at desc, id limit ${limit}::int
        ) d join webhook_events e on e.id = d.event_id
      ), '[]'::json) as deliveries
    from packages p where p.name = ${name}`);
  const row = requireRole(name, result.rows[0], 'owner', MANAGE);
  if (!row.found) throw noWebhook(name);
  return row.deliveries;
}

/** Pauses or resumes a webhook (owners only). Idempotent; the audit trail records real changes only. */
export async function setWebhookPaused(
  db: Database,
  actor: AuthContext,
  name: string,
  webhookId: string,
  paused: boolean,
): Promise<void> {
  if (!UUID.test(webhookId)) throw noWebhook(name);
  await db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', MANAGE);
    const [found] = await tx
      .select({ pausedAt: webhooks.pausedAt })
      .from(webhooks)
      .where(and(eq(webhooks.id, webhookId), eq(webhooks.packageId, pkg.id)));
    if (!found) throw noWebhook(name);
    if ((found.pausedAt !== null) === paused) return;
    await tx
      .update(webhooks)
      .set({ pausedAt: paused ? sql`now()` : null })
      .where(eq(webhooks.id, webhookId));
    await writeAudit(tx, actor, {
      action: paused ? 'webhook.pause' : 'webhook.resume',
      packageId: pkg.id,
      details: { webhook_id: webhookId },
    });
  });
}

/**
 * Sends a finished delivery again (owners only): it goes back to pending, due
 * now, and onto the queue; its attempts keep counting from where they were, so
 * the history stays whole. A delivery still pending is already on its way (409).
 */
export async function redeliver(
  db: Database,
  queue: Queue,
  actor: AuthContext,
  name: string,
  webhookId: string,
  deliveryId: string,
): Promise<void> {
  if (!UUID.test(webhookId)) throw noWebhook(name);
  if (!UUID.test(deliveryId)) throw notFound(`That webhook has no such delivery.`);
  await db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', MANAGE);
    const result = await tx.execute<{ status: string }>(sql`
      select d.status from webhook_deliveries d join webhooks w on w.id = d.webhook_id
      where d.id = ${deliveryId} and w.id = ${webhookId} and w.package_id = ${pkg.id}
      for update of d`);
    const status = result.rows[0]?.status;
    if (!status) throw notFound('That webhook has no such delivery.');
    if (status === 'pending') throw conflict('That delivery is still being sent; wait for it to finish.');
    await tx.execute(sql`
      update webhook_deliveries
      set status = 'pending', next_attempt_at = now(), completed_at = null, locked_until = null
      where id = ${deliveryId}`);
    await writeAudit(tx, actor, {
      action: 'webhook.redeliver',
      packageId: pkg.id,
      details: { webhook_id: webhookId, delivery_id: deliveryId },
    });
  });
  // After the commit: a lost message leaves a pending delivery, which the sweeper re-sends.
  await enqueueDeliveries(queue, [deliveryId]);
}
