import { describe, expect, it } from 'vitest';
import { callJson } from '../helpers/client';
import { createUser } from '../helpers/factories';

describe('auth smoke', () => {
  it('registers and reads /users/me', async () => {
    const user = await createUser();
    const { status, body } = await callJson('/users/me', { token: user.token });
    expect(status).toBe(200);
    expect(body.username).toBe(user.username);
    expect(user.token.startsWith('rvn_')).toBe(true);
  });
});
