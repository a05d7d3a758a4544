import { describe, expect, it } from 'vitest';
import { callJson } from '../helpers/client';
import { createUser } from '../helpers/factories';

describe('GET /users/:username', () => {
  it('shows the public profile and never the email', async () => {
    const user = await createUser();
    const { status, body } = await callJson(`/users/${user.username}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      username: user.username,
      user_id: user.userId,
      joined_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      packages: [],
      total_downloads: 0,
    });
    expect(JSON.stringify(body)).not.toContain(user.email);
  });

  it('404s on an unknown user', async () => {
    const { status, body } = await callJson('/users/nobody-here-at-all');
    expect(status).toBe(404);
    expect(body.error).toBe('not_found');
  });

  it('/users/me is never read as a username', async () => {
    const { status, body } = await callJson('/users/me');
    expect(status).toBe(401);
    expect(body.error).toBe('authentication_required');
  });
});
