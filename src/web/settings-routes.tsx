// Package settings in the browser: every POST calls the service function its
// API route calls (owners, invitations, setYanked, setDeprecation, webhooks),
// with the same token check (tokenAllows), after guards.tsx's Origin and CSRF checks.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { webhookSecretKey } from '../config';
import type { AppEnv } from '../env';
import { ApiError, forbidden } from '../errors';
import { sealingKey } from '../lib/webhook-crypto';
import { dispatchForActor } from '../middleware/dispatch-events';
import { DeprecateBody } from '../schemas/deprecation';
import { PackageInvitationParam } from '../schemas/owners';
import { AuditQuery, NameParam, NameVersionParam, OwnerParam } from '../schemas/packages';
import { CreateWebhookBody, DeliveryParam, WebhookParam } from '../schemas/webhooks';
import { listAudit } from '../services/audit';
import { setDeprecation } from '../services/deprecation';
import { cancelInvitation } from '../services/invitations';
import { addOwner, removeOwner } from '../services/owners';
import { packageSettings } from '../services/package-settings';
import { setYanked } from '../services/packages';
import { tokenAllows } from '../services/tokens';
import * as hooks from '../services/webhooks';
import { pageError } from './account-routes';
import { type Errors, serviceErrors, zodErrors } from './forms';
import { formOf, friendly, me, noticeOf, pageParams, sessionForm, signedIn, text, viewerOf } from './guards';
import { ConfirmYankPage, SettingsPage, settingsHref } from './pages/account/settings';
import { AuditPage, DeliveriesPage, WebhookCreatedPage, WebhooksPage } from './pages/account/settings-extra';
import { sendPage } from './respond';
import { webSession } from './session';

type Ctx = Context<AppEnv, any, any>;

export const packageSettingsRoutes = new Hono<AppEnv>();
packageSettingsRoutes.use('/packages/:name/settings', webSession);
packageSettingsRoutes.use('/packages/:name/settings/*', webSession);
// Like the API's dispatchEventsAfterWrite: webhook events a form's write recorded
// go out after the response (a form's success is a 303, not a 2xx).
packageSettingsRoutes.use('/packages/:name/settings/*', async (c, next) => {
  await next();
  const auth = c.get('auth');
  if (c.req.method !== 'POST' || !auth || c.res.status >= 400) return;
  c.executionCtx.waitUntil(dispatchForActor(c.env, c.var.config, auth.userId));
});
// Same refusal and failure pages as the account routes.
packageSettingsRoutes.onError(pageError);

// Every route reads its path through one of these (the API's schemas, which
// lowercase once); a parameter no schema accepts is the 404 page.
const packageParams = pageParams(NameParam, 'package');
const memberParams = pageParams(OwnerParam, 'member');
const invitationParams = pageParams(PackageInvitationParam, 'invitation');
const versionParams = pageParams(NameVersionParam, 'version');
const webhookParams = pageParams(WebhookParam, 'webhook');
const deliveryParams = pageParams(DeliveryParam, 'delivery');
/** The package's name, as its param schema read (and lowercased) it. */
const nameOf = (c: Context<AppEnv, string, { out: { param: { name: string } } }>) => c.req.valid('param').name;

/** The caller, once their session may act on the package at `scope` level (web sessions have no limits today). */
function actor(c: Ctx, scope: 'owners' | 'yank') {
  const auth = me(c);
  if (!tokenAllows(auth, scope, nameOf(c))) throw forbidden(`This session may not change "${nameOf(c)}".`);
  return auth;
}

const NOTICES = {
  invited: 'Invitation sent. They join when they accept it.',
  role: 'Role updated.',
  removed: 'Removed from the package.',
  cancelled: 'Invitation cancelled.',
  yanked: 'Version yanked.',
  unyanked: 'Version unyanked.',
  deprecated: 'Package deprecated.',
  undeprecated: 'Deprecation removed.',
  'webhook-deleted': 'Webhook deleted.',
  paused: 'Webhook paused: new events are not sent to it until you resume it.',
  resumed: 'Webhook resumed.',
  redelivered: 'Delivery queued again; reload in a moment to see the new attempt.',
};

async function settingsPage(
  c: Ctx,
  errors?: Errors,
  values?: Record<string, string>,
  status: 200 | 400 | 403 | 404 | 409 = 200,
) {
  const pkg = await packageSettings(c.var.db.query, nameOf(c), me(c).userId);
  const notice = noticeOf(c, NOTICES);
  return sendPage(
    c,
    <SettingsPage viewer={await viewerOf(c)} pkg={pkg} errors={errors} values={values} notice={notice} />,
    'no-store',
    status,
  );
}

const back = (c: Ctx, done: keyof typeof NOTICES, rest = '') =>
  c.redirect(`${settingsHref(nameOf(c), rest)}?done=${done}`, 303);

packageSettingsRoutes.get('/packages/:name/settings', signedIn, packageParams, (c) => settingsPage(c));

// Invite a newcomer, or change a member's role (the row forms send a username too).
packageSettingsRoutes.post('/packages/:name/settings/members', sessionForm, packageParams, async (c) => {
  const form = await formOf(c);
  const values = { username: text(form, 'username').trim().toLowerCase(), role: text(form, 'role') };
  const errors: Errors = {};
  if (!/^[a-z0-9-]{1,32}$/.test(values.username)) errors.username = 'Enter the username of a registered account.';
  if (values.role !== 'owner' && values.role !== 'maintainer') errors.role = 'Choose owner or maintainer.';
  if (Object.keys(errors).length) return settingsPage(c, errors, values, 400);
  try {
    const change = await addOwner(c.var.db, actor(c, 'owners'), nameOf(c), values.username, values.role as 'owner');
    return back(c, change.kind === 'invited' ? 'invited' : 'role');
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // The invite form's username, or (for a row's role change) the members list.
    const field = err.status === 404 ? 'username' : 'members';
    return settingsPage(c, { [field]: err.message }, values, err.status as 403);
  }
});

packageSettingsRoutes.post(
  '/packages/:name/settings/members/:username/remove',
  sessionForm,
  memberParams,
  async (c) => {
    try {
      await removeOwner(c.var.db, actor(c, 'owners'), nameOf(c), c.req.valid('param').username);
      return back(c, 'removed');
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 403) throw err;
      return settingsPage(c, { members: err.message }, undefined, 403);
    }
  },
);

packageSettingsRoutes.post(
  '/packages/:name/settings/invitations/:invitation_id/cancel',
  sessionForm,
  invitationParams,
  async (c) => {
    await cancelInvitation(c.var.db, actor(c, 'owners'), nameOf(c), c.req.valid('param').invitation_id);
    return back(c, 'cancelled');
  },
);

const yankPath = '/packages/:name/settings/versions/:version/:action{yank|unyank}';

packageSettingsRoutes.get(yankPath, signedIn, versionParams, async (c) => {
  const pkg = await packageSettings(c.var.db.query, nameOf(c), me(c).userId);
  const version = c.req.valid('param').version;
  if (!pkg.versions.some((v) => v.version === version)) return settingsPage(c, undefined, undefined, 404);
  return sendPage(
    c,
    <ConfirmYankPage
      viewer={await viewerOf(c)}
      name={pkg.name}
      version={version}
      yank={c.req.param('action') === 'yank'}
      owner={pkg.role === 'owner'}
    />,
    'no-store',
  );
});

packageSettingsRoutes.post(yankPath, sessionForm, versionParams, async (c) => {
  const yank = c.req.param('action') === 'yank';
  await setYanked(c.var.db, actor(c, 'yank'), nameOf(c), c.req.valid('param').version, yank);
  return back(c, yank ? 'yanked' : 'unyanked');
});

packageSettingsRoutes.post('/packages/:name/settings/deprecate', sessionForm, packageParams, async (c) => {
  const message = text(await formOf(c), 'message');
  const parsed = DeprecateBody.safeParse({ message });
  if (!parsed.success) {
    const errors = friendly(zodErrors(parsed.error), {
      message: 'Write a message of 1 to 1024 characters telling users what to do instead.',
    });
    return settingsPage(c, errors, { message }, 400);
  }
  await setDeprecation(c.var.db, actor(c, 'owners'), nameOf(c), parsed.data.message);
  return back(c, 'deprecated');
});

packageSettingsRoutes.post('/packages/:name/settings/undeprecate', sessionForm, packageParams, async (c) => {
  await setDeprecation(c.var.db, actor(c, 'owners'), nameOf(c), null);
  return back(c, 'undeprecated');
});

// ---- Webhooks (owners only; the services refuse anyone else)

async function webhooksPage(
  c: Ctx,
  form?: { values: { url: string; events: string[] }; errors: Errors; error?: string },
  status: 200 | 400 | 409 = 200,
) {
  const auth = actor(c, 'owners');
  const webhooks = await hooks.listWebhooks(c.var.db.query, nameOf(c), auth);
  return sendPage(
    c,
    <WebhooksPage
      viewer={await viewerOf(c)}
      name={nameOf(c)}
      webhooks={webhooks}
      values={form?.values}
      errors={form?.errors}
      error={form?.error}
      notice={noticeOf(c, NOTICES)}
    />,
    'no-store',
    status,
  );
}

packageSettingsRoutes.get('/packages/:name/settings/webhooks', signedIn, packageParams, (c) => webhooksPage(c));

packageSettingsRoutes.post('/packages/:name/settings/webhooks', sessionForm, packageParams, async (c) => {
  const form = await formOf(c);
  const values = {
    url: text(form, 'url').trim(),
    events: form.events === undefined ? [] : ([] as string[]).concat(form.events),
  };
  const parsed = CreateWebhookBody.safeParse(values);
  if (!parsed.success) {
    const errors = friendly(zodErrors(parsed.error), {
      url: 'Enter the https:// address that should receive the events.',
      events: 'Tick at least one event.',
    });
    return webhooksPage(c, { values, errors }, 400);
  }
  const config = c.var.config;
  try {
    const created = await hooks.createWebhook(
      c.var.db,
      {
        sealingKey: await sealingKey(webhookSecretKey(config)),
        urlPolicy: { allowLocal: config.WEBHOOKS_ALLOW_LOCAL },
      },
      actor(c, 'owners'),
      nameOf(c),
      parsed.data,
    );
    return sendPage(
      c,
      <WebhookCreatedPage viewer={await viewerOf(c)} name={nameOf(c)} webhook={created} />,
      'no-store',
      201,
    );
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) throw err;
    const { form: error, fields } = serviceErrors(err);
    return webhooksPage(
      c,
      { values, errors: fields, error },
      err instanceof ApiError && err.status === 409 ? 409 : 400,
    );
  }
});

packageSettingsRoutes.post('/packages/:name/settings/webhooks/:id/delete', sessionForm, webhookParams, async (c) => {
  await hooks.deleteWebhook(c.var.db, actor(c, 'owners'), nameOf(c), c.req.valid('param').id);
  return back(c, 'webhook-deleted', '/webhooks');
});

packageSettingsRoutes.post(
  '/packages/:name/settings/webhooks/:id/:action{pause|resume}',
  sessionForm,
  webhookParams,
  async (c) => {
    const paused = c.req.param('action') === 'pause';
    await hooks.setWebhookPaused(c.var.db, actor(c, 'owners'), nameOf(c), c.req.valid('param').id, paused);
    return back(c, paused ? 'paused' : 'resumed', '/webhooks');
  },
);

packageSettingsRoutes.get('/packages/:name/settings/webhooks/:id', signedIn, webhookParams, async (c) => {
  const id = c.req.valid('param').id;
  const deliveries = await hooks.listDeliveries(c.var.db.query, actor(c, 'owners'), nameOf(c), id, 20);
  return sendPage(
    c,
    <DeliveriesPage
      viewer={await viewerOf(c)}
      name={nameOf(c)}
      webhookId={id}
      deliveries={deliveries}
      notice={noticeOf(c, NOTICES)}
    />,
    'no-store',
  );
});

packageSettingsRoutes.post(
  '/packages/:name/settings/webhooks/:id/deliveries/:delivery_id/redeliver',
  sessionForm,
  deliveryParams,
  async (c) => {
    const { id, delivery_id } = c.req.valid('param');
    const auth = actor(c, 'owners');
    await hooks.redeliver(c.var.db, c.env.WEBHOOK_QUEUE, auth, nameOf(c), id, delivery_id);
    return back(c, 'redelivered', `/webhooks/${id}`);
  },
);

// ---- Audit log: newest first, PER_PAGE a page; one extra row says whether there is a next page.

const PER_PAGE = 25;

packageSettingsRoutes.get('/packages/:name/settings/audit', signedIn, packageParams, async (c) => {
  const raw = c.req.query('page') ?? '';
  const page = /^\d{1,4}$/.test(raw) ? Math.max(1, Number(raw)) : 1;
  const query = AuditQuery.parse({ limit: String(PER_PAGE + 1), offset: String((page - 1) * PER_PAGE) });
  const entries = await listAudit(c.var.db.query, nameOf(c), actor(c, 'owners'), query);
  return sendPage(
    c,
    <AuditPage
      viewer={await viewerOf(c)}
      name={nameOf(c)}
      entries={entries.slice(0, PER_PAGE)}
      page={page}
      more={entries.length > PER_PAGE}
    />,
    'no-store',
  );
});
