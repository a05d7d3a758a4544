// Operator routes (/admin/...): every one needs an operator's session token
// (operatorOnly) and records what it did in the operator audit log.
import { createRoute } from '@hono/zod-openapi';
import { packageTag, purgeTags, versionTag } from '../lib/edge-cache';
import { currentUser, operatorOnly } from '../middleware/auth';
import { noteRevoked } from '../middleware/rate-limit';
import { createRouter } from '../router';
import {
  OperatorAuditReply,
  PageQuery,
  ReleasedReply,
  ReserveBody,
  ReservedNameParam,
  ReservedNameReply,
  ReservedNamesReply,
  RestoreBody,
  SuspendBody,
  SuspensionReply,
  TakedownBody,
  TakedownReply,
  UnsuspendBody,
  UsernameParam,
} from '../schemas/admin';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import { NameParam } from '../schemas/packages';
import { listOperatorActions } from '../services/operators';
import { listReservedNames, releaseByOperator, reserveByOperator } from '../services/reserved-names';
import { setSuspended } from '../services/suspensions';
import { setTakedown, type TakedownChange } from '../services/takedowns';
import { forgetCachedTarball } from '../services/tarball-download';

const auditRoute = createRoute({
  method: 'get',
  path: '/audit',
  tags: ['admin'],
  summary: 'The operator audit log, newest first (operators only)',
  ...operatorOnly,
  request: { query: PageQuery },
  responses: { 200: jsonResponse('Operator actions', OperatorAuditReply), ...errorResponses(401, 403) },
});

const takedownRoute = createRoute({
  method: 'post',
  path: '/packages/{name}/takedown',
  tags: ['admin'],
  summary: 'Take down a version, or the whole package (operators only; the blob is kept for a restore)',
  ...operatorOnly,
  request: { params: NameParam, body: jsonBody(TakedownBody) },
  responses: { 200: jsonResponse('Taken down', TakedownReply), ...errorResponses(400, 401, 403, 404) },
});

const restoreRoute = createRoute({
  method: 'post',
  path: '/packages/{name}/restore',
  tags: ['admin'],
  summary: 'Undo a takedown of a version or the whole package (operators only)',
  ...operatorOnly,
  request: { params: NameParam, body: jsonBody(RestoreBody) },
  responses: { 200: jsonResponse('Restored', TakedownReply), ...errorResponses(400, 401, 403, 404) },
});

const suspendRoute = createRoute({
  method: 'post',
  path: '/users/{username}/suspend',
  tags: ['admin'],
  summary: 'Suspend a user: sign-in refused, every token and session revoked (their packages stay)',
  ...operatorOnly,
  request: { params: UsernameParam, body: jsonBody(SuspendBody) },
  responses: { 200: jsonResponse('Suspended', SuspensionReply), ...errorResponses(400, 401, 403, 404) },
});

const unsuspendRoute = createRoute({
  method: 'post',
  path: '/users/{username}/unsuspend',
  tags: ['admin'],
  summary: 'Lift a suspension: the user can sign in again (revoked tokens stay revoked)',
  ...operatorOnly,
  request: { params: UsernameParam, body: jsonBody(UnsuspendBody) },
  responses: { 200: jsonResponse('Unsuspended', SuspensionReply), ...errorResponses(400, 401, 403, 404) },
});

const reservedListRoute = createRoute({
  method: 'get',
  path: '/reserved-names',
  tags: ['admin'],
  summary: 'Names reserved by operators or by recent deletions, newest first (operators only)',
  ...operatorOnly,
  request: { query: PageQuery },
  responses: { 200: jsonResponse('Reserved names', ReservedNamesReply), ...errorResponses(401, 403) },
});

const reserveRoute = createRoute({
  method: 'put',
  path: '/reserved-names/{name}',
  tags: ['admin'],
  summary: 'Reserve a package name: nobody can publish a new package with it or a lookalike of it',
  ...operatorOnly,
  request: { params: ReservedNameParam, body: jsonBody(ReserveBody) },
  responses: { 200: jsonResponse('Reserved', ReservedNameReply), ...errorResponses(400, 401, 403) },
});

const releaseRoute = createRoute({
  method: 'delete',
  path: '/reserved-names/{name}',
  tags: ['admin'],
  summary: 'Release a reserved name (the built-in reserved words stay)',
  ...operatorOnly,
  request: { params: ReservedNameParam },
  responses: { 200: jsonResponse('Released', ReleasedReply), ...errorResponses(401, 403, 404) },
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
