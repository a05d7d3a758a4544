// Operator routes (/admin/...): every one needs an operator's session token
// (operatorOnly) and records what it did in the operator audit log.
import { packageTag, purgeTags, versionTag } from '../lib/edge-cache';
import { currentUser, operatorOnly } from '../middleware/auth';
import { noteRevoked } from '../middleware/rate-limit';
import { createRouter } from '../router';
import * as schema from '../schemas/admin';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import { NameParam } from '../schemas/packages';
import { listOperatorActions } from '../services/operators';
import { listReservedNames, releaseByOperator, reserveByOperator } from '../services/reserved-names';
import { setSuspended } from '../services/suspensions';
import { setTakedown, type TakedownChange } from '../services/takedowns';
import { forgetCachedTarball } from '../services/tarball-download';
import { routesTagged } from './define';

const admin = routesTagged('admin', operatorOnly);

const auditRoute = admin.get('/audit', {
  summary: 'The operator audit log, newest first (operators only)',
  request: { query: schema.PageQuery },
  responses: { 200: jsonResponse('Operator actions', schema.OperatorAuditReply), ...errorResponses(401, 403) },
});

const takedownRoute = admin.post('/packages/{name}/takedown', {
  summary: 'Take down a version, or the whole package (operators only; the blob is kept for a restore)',
  request: { params: NameParam, body: jsonBody(schema.TakedownBody) },
  responses: { 200: jsonResponse('Taken down', schema.TakedownReply), ...errorResponses(400, 401, 403, 404) },
});

const restoreRoute = admin.post('/packages/{name}/restore', {
  summary: 'Undo a takedown of a version or the whole package (operators only)',
  request: { params: NameParam, body: jsonBody(schema.RestoreBody) },
  responses: { 200: jsonResponse('Restored', schema.TakedownReply), ...errorResponses(400, 401, 403, 404) },
});

const suspendRoute = admin.post('/users/{username}/suspend', {
  summary: 'Suspend a user: sign-in refused, every token and session revoked (their packages stay)',
  request: { params: schema.UsernameParam, body: jsonBody(schema.SuspendBody) },
  responses: { 200: jsonResponse('Suspended', schema.SuspensionReply), ...errorResponses(400, 401, 403, 404) },
});

const unsuspendRoute = admin.post('/users/{username}/unsuspend', {
  summary: 'Lift a suspension: the user can sign in again (revoked tokens stay revoked)',
  request: { params: schema.UsernameParam, body: jsonBody(schema.UnsuspendBody) },
  responses: { 200: jsonResponse('Unsuspended', schema.SuspensionReply), ...errorResponses(400, 401, 403, 404) },
});

const reservedListRoute = admin.get('/reserved-names', {
  summary: 'Names reserved by operators or by recent deletions, newest first (operators only)',
  request: { query: schema.PageQuery },
  responses: { 200: jsonResponse('Reserved names', schema.ReservedNamesReply), ...errorResponses(401, 403) },
});

const reserveRoute = admin.put('/reserved-names/{name}', {
  summary: 'Reserve a package name: nobody can publish a new package with it or a lookalike of it',
  request: { params: schema.ReservedNameParam, body: jsonBody(schema.ReserveBody) },
  responses: { 200: jsonResponse('Reserved', schema.ReservedNameReply), ...errorResponses(400, 401, 403) },
});

const releaseRoute = admin.delete('/reserved-names/{name}', {
  summary: 'Release a reserved name (the built-in reserved words stay)',
  request: { params: schema.ReservedNameParam },
  responses: { 200: jsonResponse('Released', schema.ReleasedReply), ...errorResponses(401, 403, 404) },
});

/** The limiter remembers this many revoked ids at once; later ones are noted when first presented. */
const NOTE_REVOKED_MAX = 50;

/**
 * After the commit: the edge's replies (package, version, index, pages: all
 * tagged pkg:<name>) and tarball copies (tagged too) everywhere, and this data
 * centre's Cache API copies of the downloads at once.
 */
async function forgetCached(ctx: object, origin: string, change: TakedownChange): Promise<void> {
  const tags = [packageTag(change.name), ...(change.version ? [versionTag(change.name, change.version)] : [])];
  await purgeTags(ctx, tags);
  await Promise.all(change.versions.map((v) => forgetCachedTarball(origin, change.name, v)));
}

export const adminRoutes = createRouter()
  .openapi(auditRoute, async (c) => {
    const page = c.req.valid('query');
    const entries = await listOperatorActions(c.var.db.query, page);
    return c.json({ entries, limit: page.limit, offset: page.offset }, 200);
  })
  .openapi(takedownRoute, async (c) => {
    const { name } = c.req.valid('param');
    const { version, reason } = c.req.valid('json');
    const change = await setTakedown(c.var.db, currentUser(c), { name, version }, { down: true, reason });
    await forgetCached(c.executionCtx, new URL(c.req.url).origin, change);
    const at = change.takenDownAt?.toISOString() ?? '';
    return c.json({ name, version: version ?? '', taken_down: true, reason, taken_down_at: at }, 200);
  })
  .openapi(restoreRoute, async (c) => {
    const { name } = c.req.valid('param');
    const { version, reason } = c.req.valid('json');
    const change = await setTakedown(c.var.db, currentUser(c), { name, version }, { down: false, reason });
    await forgetCached(c.executionCtx, new URL(c.req.url).origin, change);
    return c.json({ name, version: version ?? '', taken_down: false, reason: '', taken_down_at: '' }, 200);
  })
  .openapi(suspendRoute, async (c) => {
    const { username } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const change = await setSuspended(c.var.db, currentUser(c), username, { suspend: true, reason });
    // Charged to the IP, not the user, from the next request on: no database work for a revoked token.
    const userId = change.userId;
    await Promise.all(change.revoked.slice(0, NOTE_REVOKED_MAX).map((t) => noteRevoked(c, userId, t)));
    return c.json(
      {
        username,
        suspended: true,
        reason,
        suspended_at: change.suspendedAt?.toISOString() ?? '',
        tokens_revoked: change.revoked.length,
      },
      200,
    );
  })
  .openapi(unsuspendRoute, async (c) => {
    const { username } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    await setSuspended(c.var.db, currentUser(c), username, { suspend: false, reason });
    return c.json({ username, suspended: false, reason: '', suspended_at: '', tokens_revoked: 0 }, 200);
  })
  .openapi(reservedListRoute, async (c) => {
    const page = c.req.valid('query');
    const reserved = await listReservedNames(c.var.db.query, page);
    return c.json({ reserved_names: reserved, limit: page.limit, offset: page.offset }, 200);
  })
  .openapi(reserveRoute, async (c) => {
    const auth = currentUser(c);
    const { name } = c.req.valid('param');
    const { reason, expires_at } = c.req.valid('json');
    const expiresAt = expires_at === undefined ? null : new Date(expires_at);
    const made = await reserveByOperator(c.var.db, auth, name, reason, expiresAt);
    return c.json(
      {
        name,
        reason,
        reserved_by: auth.username,
        created_at: made.createdAt.toISOString(),
        expires_at: made.expiresAt?.toISOString() ?? '',
      },
      200,
    );
  })
  .openapi(releaseRoute, async (c) => {
    const auth = currentUser(c);
    const { name } = c.req.valid('param');
    await releaseByOperator(c.var.db, auth, name);
    return c.json({ name, released: true as const }, 200);
  });
