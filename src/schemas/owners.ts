// Invitation shapes: PUT /owners for a non-member, the package's pending
// invitations, and the invitee's own under /users/me/invitations.
import { z } from '@hono/zod-openapi';
import { Id, pathParam, Timestamp } from './common';
import { NameParam, OwnerRole } from './packages';

const invitationId = pathParam('invitation_id', 64).openapi({ format: 'uuid' });

export const InvitationIdParam = z.object({ invitation_id: invitationId });
export const PackageInvitationParam = NameParam.extend({ invitation_id: invitationId });

export const OwnerInvitedReply = z
  .object({
    username: z.string(),
    role: OwnerRole,
    invitation_id: Id,
    status: z.literal('pending'),
    expires_at: Timestamp,
  })
  .openapi('OwnerInvited');

const invitationFields = {
  invitation_id: Id,
  role: OwnerRole,
  invited_by: z.string().openapi({ description: 'Username of the owner who invited; "" if that account is gone.' }),
  created_at: Timestamp,
  expires_at: Timestamp,
};

export const PackageInvitationsReply = z
  .object({ invitations: z.array(z.object({ ...invitationFields, username: z.string() })) })
  .openapi('PackageInvitations');

export const MyInvitationsReply = z
  .object({ invitations: z.array(z.object({ ...invitationFields, package: z.string() })) })
  .openapi('MyInvitations');

export const InvitationCancelledReply = z
  .object({ invitation_id: Id, cancelled: z.literal(true) })
  .openapi('InvitationCancelled');
export const InvitationAcceptedReply = z
  .object({ package: z.string(), role: OwnerRole, added_at: Timestamp })
  .openapi('InvitationAccepted');
export const InvitationDeclinedReply = z
  .object({ invitation_id: Id, declined: z.literal(true) })
  .openapi('InvitationDeclined');
