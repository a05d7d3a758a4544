// Fresh, uniquely named data per test: tests share one Postgres and never clean up.
import { api, expectReply } from './api';

let seq = 0;
export function unique(prefix: string): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}-${seq}-${Math.random().toString(36).slice(2, 6)}`;
}

export interface TestUser {
  userId: string;
  username: string;
  email: string;
  password: string;
  token: string;
}

export async function createUser(prefix = 'u'): Promise<TestUser> {
  const username = unique(prefix).slice(0, 32).replace(/-+$/, '');
  const email = `${username}@example.test`;
  const password = `pw-${crypto.randomUUID()}`;
  const { body } = await expectReply(api().auth.register.$post({ json: { username, email, password } }), 201);
  return { userId: body.user_id, username, email, password, token: body.token };
}
