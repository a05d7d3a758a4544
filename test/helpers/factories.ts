// Fresh, uniquely named data per test: tests share one Postgres and never clean up.
import { callJson } from './client';

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
  const { status, body } = await callJson('/auth/register', { json: { username, email, password } });
  if (status !== 201) throw new Error(`register failed: ${status} ${JSON.stringify(body)}`);
  return { userId: body.user_id, username, email, password, token: body.token };
}
