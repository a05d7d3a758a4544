// Making someone a member the only way the API allows: an owner invites, the
// invitee accepts. Tests that need a second owner or a maintainer use this.
import { api, expectReply } from './api';
import { callJson } from './client';
import type { TestUser } from './factories';

// Raw on purpose: tests send unknown users, odd roles and malformed ids through these.
export const invite = (token: string, name: string, username: string, role: string) =>
  callJson(`/packages/${name}/owners`, { method: 'PUT', token, json: { username, role } });

export const acceptInvitation = (token: string, invitationId: string) =>
  callJson(`/users/me/invitations/${invitationId}/accept`, { method: 'POST', token });

/** Invites `user` to `name` as `role` (by `owner`) and accepts; fails the test if either step does. */
export async function addOwner(owner: TestUser, name: string, user: TestUser, role: 'owner' | 'maintainer') {
  const invited = await expectReply(
    api(owner.token).packages[':name'].owners.$put({ param: { name }, json: { username: user.username, role } }),
    202,
  );
  const param = { invitation_id: invited.body.invitation_id };
  return (await expectReply(api(user.token).users.me.invitations[':invitation_id'].accept.$post({ param }), 200)).body;
}
