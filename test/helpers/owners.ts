// Making someone a member the only way the API allows: an owner invites, the
// invitee accepts. Tests that need a second owner or a maintainer use this.
import { expect } from 'vitest';
import { callJson } from './client';
import type { TestUser } from './factories';

export const invite = (token: string, name: string, username: string, role: string) =>
  callJson(`/packages/${name}/owners`, { method: 'PUT', token, json: { username, role } });

export const acceptInvitation = (token: string, invitationId: string) =>
  callJson(`/users/me/invitations/${invitationId}/accept`, { method: 'POST', token });

/** Invites `user` to `name` as `role` (by `owner`) and accepts; fails the test if either step does. */
export async function addOwner(owner: TestUser, name: string, user: TestUser, role: 'owner' | 'maintainer') {
  const invited = await invite(owner.token, name, user.username, role);
  expect(invited.status, JSON.stringify(invited.body)).toBe(202);
  const accepted = await acceptInvitation(user.token, invited.body.invitation_id);
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return accepted.body as { package: string; role: string; added_at: string };
}
