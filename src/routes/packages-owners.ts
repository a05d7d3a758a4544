// Owners (list, add or change role, remove) and the owners-only audit trail.
// Registered before /{name}/{version} so `owners` and `audit` are never read as versions.
import { createRoute } from '@hono/zod-openapi';
import { forbidden, notFound } from '../errors';
import { currentUser, requireAuth } from '../middleware/auth';
import { createRouter } from '../router';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import {
  AddOwnerBody,
  AuditQuery,
  AuditReply,
  NameParam,
  OwnerAddedReply,
  OwnerParam,
  OwnerRemovedReply,
  OwnersReply,
} from '../schemas/packages';
import { listAudit } from '../services/audit';
import { addOwner, listOwners, removeOwner } from '../services/owners';
import { tokenAllows } from '../services/tokens';

const listRoute = createRoute({
  method: 'get',
  path: '/{name}/owners',
  tags: ['owners'],
  summary: "A package's owners and maintainers",
  request: { params: NameParam },
  responses: { 200: jsonResponse('Owners', OwnersReply), ...errorResponses(404) },
});

const addRoute = createRoute({
  method: 'put',
  path: '/{name}/owners',
  tags: ['owners'],
  summary: 'Add an owner or maintainer, or change a role (owners only)',
  security: [{ bearer: [] }],
  middleware: [requireAuth] as const,
  request: { params: NameParam, body: jsonBody(AddOwnerBody) },
  responses: { 200: jsonResponse('Added', OwnerAddedReply), ...errorResponses(400, 401, 403, 404) },
});

const removeRoute = createRoute({
  method: 'delete',
  path: '/{name}/owners/{username}',
  tags: ['owners'],
  summary: 'Remove an owner or maintainer (owners only; never the last owner)',
  security: [{ bearer: [] }],
  middleware: [requireAuth] as const,
  request: { params: OwnerParam },
  responses: { 200: jsonResponse('Removed', OwnerRemovedReply), ...errorResponses(401, 403, 404) },
});

const auditRoute = createRoute({
  method: 'get',
  path: '/{name}/audit',
  tags: ['owners'],
  summary: "A package's audit trail, newest first (owners only)",
  security: [{ bearer: [] }],
  middleware: [requireAuth] as const,
  request: { params: NameParam, query: AuditQuery },
  responses: { 200: jsonResponse('Audit trail', AuditReply), ...errorResponses(401, 403, 404) },
});

export const ownerRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const name = c.req.valid('param').name.toLowerCase();
    const owners = await listOwners(c.var.db.read, name);
    if (!owners) throw notFound(`No package named "${name}".`);
    return c.json({ owners }, 200);
  })
  .openapi(addRoute, async (c) => {
    const auth = currentUser(c);
    const name = c.req.valid('param').name.toLowerCase();
    const body = c.req.valid('json');
    if (!tokenAllows(auth, 'owners', name)) throw forbidden(`This token may not change the owners of "${name}".`);
    const added = await addOwner(c.var.db, auth, name, body.username, body.role);
    return c.json({ username: added.username, role: added.role, added_at: added.addedAt.toISOString() }, 200);
  })
  .openapi(removeRoute, async (c) => {
    const auth = currentUser(c);
    const { name: rawName, username } = c.req.valid('param');
    const name = rawName.toLowerCase();
    if (!tokenAllows(auth, 'owners', name)) throw forbidden(`This token may not change the owners of "${name}".`);
    const removed = await removeOwner(c.var.db, auth, name, username.toLowerCase());
    return c.json({ username: removed.username, removed: true as const }, 200);
  })
  .openapi(auditRoute, async (c) => {
    const auth = currentUser(c);
    const name = c.req.valid('param').name.toLowerCase();
    const page = c.req.valid('query');
    const entries = await listAudit(c.var.db.read, name, auth, page);
    return c.json({ name, entries, limit: page.limit, offset: page.offset }, 200);
  });
