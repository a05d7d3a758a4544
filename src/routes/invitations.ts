// The invitee's side of package invitations: list, accept, decline. Mounted
// under /users before the user routes, so `me/invitations` is never a profile.
// Accepting needs a token that may change owners of that package (scope and
// pattern), like every other ownership change.
import { packageTag, purgeTags } from '../lib/edge-cache';
import { authed, currentUser } from '../middleware/auth';
import { createRouter } from '../router';
import { errorResponses, jsonResponse } from '../schemas/common';
import * as schema from '../schemas/owners';
import { acceptInvitation, declineInvitation, listMyInvitations } from '../services/invitations';
import { tokenAllows } from '../services/tokens';
import { routesTagged } from './define';

const owners = routesTagged('owners', authed);

const listRoute = owners.get('/me/invitations', {
  summary: 'Your pending invitations to own or maintain packages',
  responses: { 200: jsonResponse('Your pending invitations', schema.MyInvitationsReply), ...errorResponses(401) },
});

const acceptRoute = owners.post('/me/invitations/{invitation_id}/accept', {
  summary: 'Accept an invitation: you join the package with the invited role',
  request: { params: schema.InvitationIdParam },
  responses: { 200: jsonResponse('Joined', schema.InvitationAcceptedReply), ...errorResponses(401, 403, 404) },
});

const declineRoute = owners.post('/me/invitations/{invitation_id}/decline', {
  summary: 'Decline an invitation',
  request: { params: schema.InvitationIdParam },
  responses: { 200: jsonResponse('Declined', schema.InvitationDeclinedReply), ...errorResponses(401, 404) },
});

export const invitationRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const auth = currentUser(c);
    return c.json({ invitations: await listMyInvitations(c.var.db.query, auth.userId) }, 200);
  })
  .openapi(acceptRoute, async (c) => {
    const auth = currentUser(c);
    const id = c.req.valid('param').invitation_id;
    const accepted = await acceptInvitation(c.var.db, auth, id, (name) => tokenAllows(auth, 'owners', name));
    // A new member can change who the package reply names as its owner.
    await purgeTags(c.executionCtx, [packageTag(accepted.package)]);
    return c.json({ package: accepted.package, role: accepted.role, added_at: accepted.addedAt.toISOString() }, 200);
  })
  .openapi(declineRoute, async (c) => {
    const auth = currentUser(c);
    const id = c.req.valid('param').invitation_id;
    await declineInvitation(c.var.db, auth, id);
    return c.json({ invitation_id: id, declined: true as const }, 200);
  });
