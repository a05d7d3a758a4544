// Owners (list, invite or change role, remove), the package's pending
// invitations, and the owners-only audit trail. Registered before
// /{name}/{version} so `owners`, `invitations` and `audit` are never read as versions.
import { forbidden, notFound } from '../errors';
import { packageTag, purgeTags } from '../lib/edge-cache';
import { authed, currentUser } from '../middleware/auth';
import { createRouter } from '../router';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import * as ownerSchema from '../schemas/owners';
import * as schema from '../schemas/packages';
import { listAudit } from '../services/audit';
import { cancelInvitation, listPackageInvitations } from '../services/invitations';
import { addOwner, listOwners, removeOwner } from '../services/owners';
import { tokenAllows } from '../services/tokens';
import { routesTagged } from './define';

const owners = routesTagged('owners');
const authedOwners = routesTagged('owners', authed);

const listRoute = owners.get('/{name}/owners', {
  summary: "A package's owners and maintainers",
  request: { params: schema.NameParam },
  responses: { 200: jsonResponse('Owners', schema.OwnersReply), ...errorResponses(404) },
});

const addRoute = authedOwners.put('/{name}/owners', {
  summary: "Invite an owner or maintainer (they join by accepting), or change a member's role at once (owners only)",
  request: { params: schema.NameParam, body: jsonBody(schema.AddOwnerBody) },
  responses: {
    200: jsonResponse("A member's role changed", schema.OwnerAddedReply),
    202: jsonResponse('Invited; nothing changes until they accept (30 days)', ownerSchema.OwnerInvitedReply),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const invitationsRoute = authedOwners.get('/{name}/invitations', {
  summary: "A package's pending invitations (owners only)",
  request: { params: schema.NameParam },
  responses: {
    200: jsonResponse('Pending invitations', ownerSchema.PackageInvitationsReply),
    ...errorResponses(401, 403, 404),
  },
});

const cancelInvitationRoute = authedOwners.delete('/{name}/invitations/{invitation_id}', {
  summary: 'Cancel a pending invitation (owners only)',
  request: { params: ownerSchema.PackageInvitationParam },
  responses: { 200: jsonResponse('Cancelled', ownerSchema.InvitationCancelledReply), ...errorResponses(401, 403, 404) },
});

const removeRoute = authedOwners.delete('/{name}/owners/{username}', {
  summary: 'Remove an owner or maintainer (owners only; never the last owner)',
  request: { params: schema.OwnerParam },
  responses: { 200: jsonResponse('Removed', schema.OwnerRemovedReply), ...errorResponses(401, 403, 404) },
});

const auditRoute = authedOwners.get('/{name}/audit', {
  summary: "A package's audit trail, newest first (owners only)",
  request: { params: schema.NameParam, query: schema.AuditQuery },
  responses: { 200: jsonResponse('Audit trail', schema.AuditReply), ...errorResponses(401, 403, 404) },
});

export const ownerRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const name = c.req.valid('param').name;
    const owners = await listOwners(c.var.db.query, name);
    if (!owners) throw notFound(`No package named "${name}".`);
    return c.json({ owners }, 200);
  })
  .openapi(addRoute, async (c) => {
    const auth = currentUser(c);
    const name = c.req.valid('param').name;
    const body = c.req.valid('json');
    if (!tokenAllows(auth, 'owners', name)) throw forbidden(`This token may not change the owners of "${name}".`);
    const change = await addOwner(c.var.db, auth, name, body.username, body.role);
    if (change.kind === 'invited') {
      const { username, role, invitationId, expiresAt } = change;
      return c.json(
        {
          username,
          role,
          invitation_id: invitationId,
          status: 'pending' as const,
          expires_at: expiresAt.toISOString(),
        },
        202,
      );
    }
    // A role change can change who the package reply names as its owner; an invitation changes nothing yet.
    await purgeTags(c.executionCtx, [packageTag(name)]);
    return c.json({ username: change.username, role: change.role, added_at: change.addedAt.toISOString() }, 200);
  })
  .openapi(invitationsRoute, async (c) => {
    const auth = currentUser(c);
    const name = c.req.valid('param').name;
    const invitations = await listPackageInvitations(c.var.db.query, name, auth);
    return c.json({ invitations }, 200);
  })
  .openapi(cancelInvitationRoute, async (c) => {
    const auth = currentUser(c);
    const { name, invitation_id } = c.req.valid('param');
    if (!tokenAllows(auth, 'owners', name)) throw forbidden(`This token may not change the owners of "${name}".`);
    await cancelInvitation(c.var.db, auth, name, invitation_id);
    return c.json({ invitation_id: invitation_id, cancelled: true as const }, 200);
  })
  .openapi(removeRoute, async (c) => {
    const auth = currentUser(c);
    const { name, username } = c.req.valid('param');
    if (!tokenAllows(auth, 'owners', name)) throw forbidden(`This token may not change the owners of "${name}".`);
    const removed = await removeOwner(c.var.db, auth, name, username);
    await purgeTags(c.executionCtx, [packageTag(name)]);
    return c.json({ username: removed.username, removed: true as const }, 200);
  })
  .openapi(auditRoute, async (c) => {
    const auth = currentUser(c);
    const name = c.req.valid('param').name;
    const page = c.req.valid('query');
    const entries = await listAudit(c.var.db.query, name, auth, page);
    return c.json({ name, entries, limit: page.limit, offset: page.offset }, 200);
  });
