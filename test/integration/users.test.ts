import { describe, expect, it } from 'vitest';
import { api, read } from '../helpers/api';
import { anIso, expectError } from '../helpers/contract';
import { createUser } from '../helpers/factories';

const profile = (username: string) => read(api().users[':username'].$get({ param: { username } }));

describe('GET /users/:username', () => {
  it('shows the public profile and never the email', async () => {
    const user = await createUser();
    const { status, body } = await profile(user.username);
    expect(status).toBe(200);
    expect(body).toEqual({
      username: user.username,
      user_id: user.userId,
      joined_at: anIso(),
      packages: [],
      total_downloads: 0,
    });
    expect(JSON.stringify(body)).not.toContain(user.email);
  });

  it('404s on an unknown user', async () => {
    expectError(await profile('nobody-here-at-all'), 'not_found');
  });

  it('/users/me is never read as a username', async () => {
    expectError(await read(api().users.me.$get()), 'authentication_required');
  });
});
