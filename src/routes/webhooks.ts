// A package's webhooks: list, create (the secret is in this reply only),
// delete, and recent deliveries with every attempt. Owners only; a token with
// scopes needs `owners`. Mounted before the package routes so `webhooks` is
// never read as a version.
import type { Context } from 'hono';
import { webhookSecretKey } from '../config';
import type { AppEnv } from '../env';
import { forbidden } from '../errors';
import { sealingKey } from '../lib/webhook-crypto';
import { authed, currentUser } from '../middleware/auth';
import { createRouter } from '../router';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import { NameParam } from '../schemas/packages';
import * as schema from '../schemas/webhooks';
import { tokenAllows } from '../services/tokens';
import * as hooks from '../services/webhooks';
import { routesTagged } from './define';

const webhooks = routesTagged('webhooks', authed);

const listRoute = webhooks.get('/{name}/webhooks', {
  summary: "A package's webhooks (owners only; secrets are never shown again)",
  request: { params: NameParam },
  responses: { 200: jsonResponse('Webhooks', schema.WebhooksReply), ...errorResponses(401, 403, 404) },
});

const createWebhookRoute = webhooks.post('/{name}/webhooks', {
  summary: 'Add a webhook (owners only); the reply carries its signing secret, once',
  request: { params: NameParam, body: jsonBody(schema.CreateWebhookBody) },
  responses: {
    201: jsonResponse('Created', schema.WebhookCreatedReply),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const deleteRoute = webhooks.delete('/{name}/webhooks/{id}', {
  summary: 'Remove a webhook (owners only); pending deliveries are dropped',
  request: { params: schema.WebhookParam },
  responses: { 200: jsonResponse('Deleted', schema.WebhookDeletedReply), ...errorResponses(401, 403, 404) },
});

const deliveriesRoute = webhooks.get('/{name}/webhooks/{id}/deliveries', {
  summary: 'Recent deliveries of a webhook, newest first, with every attempt (owners only)',
  request: { params: schema.WebhookParam, query: schema.DeliveriesQuery },
  responses: { 200: jsonResponse('Deliveries', schema.DeliveriesReply), ...errorResponses(401, 403, 404) },
});

const pauseRoute = webhooks.patch('/{name}/webhooks/{id}', {
  summary: 'Pause or resume a webhook (owners only); a paused webhook gets no deliveries for new events',
  request: { params: schema.WebhookParam, body: jsonBody(schema.PauseWebhookBody) },
  responses: {
    200: jsonResponse('Paused or resumed', schema.WebhookPausedReply),
    ...errorResponses(400, 401, 403, 404),
  },
});

const redeliverRoute = webhooks.post('/{name}/webhooks/{id}/deliveries/{delivery_id}/redeliver', {
  summary: 'Send a finished delivery again, now (owners only)',
  request: { params: schema.DeliveryParam },
  responses: { 202: jsonResponse('Queued', schema.RedeliveryReply), ...errorResponses(401, 403, 404, 409) },
});

/** The caller, once their token may manage owners-level settings of `name`. */
function ownerCaller(c: Context<AppEnv>, name: string) {
  const caller = currentUser(c);
  if (!tokenAllows(caller, 'owners', name)) throw forbidden(`This token may not manage the webhooks of "${name}".`);
  return caller;
}

export const webhookRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const name = c.req.valid('param').name;
    const caller = ownerCaller(c, name);
    return c.json({ name, webhooks: await hooks.listWebhooks(c.var.db.query, name, caller) }, 200);
  })
  .openapi(createWebhookRoute, async (c) => {
    const name = c.req.valid('param').name;
    const caller = ownerCaller(c, name);
    const config = c.var.config;
    const created = await hooks.createWebhook(
      c.var.db,
      {
        sealingKey: await sealingKey(webhookSecretKey(config)),
        urlPolicy: { allowLocal: config.WEBHOOKS_ALLOW_LOCAL },
      },
      caller,
      name,
      c.req.valid('json'),
    );
    c.header('Cache-Control', 'no-store');
    return c.json(created, 201);
  })
  .openapi(deleteRoute, async (c) => {
    const { name, id } = c.req.valid('param');
    await hooks.deleteWebhook(c.var.db, ownerCaller(c, name), name, id);
    return c.json({ id: id, deleted: true as const }, 200);
  })
  .openapi(pauseRoute, async (c) => {
    const { name, id } = c.req.valid('param');
    const { paused } = c.req.valid('json');
    await hooks.setWebhookPaused(c.var.db, ownerCaller(c, name), name, id, paused);
    return c.json({ id: id, paused }, 200);
  })
  .openapi(redeliverRoute, async (c) => {
    const { name, id, delivery_id } = c.req.valid('param');
    const caller = ownerCaller(c, name);
    await hooks.redeliver(c.var.db, c.env.WEBHOOK_QUEUE, caller, name, id, delivery_id);
    return c.json({ delivery_id: delivery_id, status: 'pending' as const }, 202);
  })
  .openapi(deliveriesRoute, async (c) => {
    const { name, id } = c.req.valid('param');
    const caller = ownerCaller(c, name);
    const { limit } = c.req.valid('query');
    const deliveries = await hooks.listDeliveries(c.var.db.query, caller, name, id, limit);
    return c.json({ webhook_id: id, deliveries }, 200);
  });
