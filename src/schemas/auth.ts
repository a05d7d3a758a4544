import { z } from '@hono/zod-openapi';
import { Id, Timestamp } from './common';

// Route words under /users/... and names an impersonator would want.
const RESERVED_USERNAMES = new Set([
  'me',
  'admin',
  'administrator',
  'api',
  'auth',
  'login',
  'logout',
  'register',
  'refresh',
  'settings',
  'tokens',
  'users',
  'user',
  'new',
  'root',
  'system',
  'support',
  'help',
  'about',
  'raven',
  'ravensone',
  'registry',
  'security',
  'staff',
  'official',
  'null',
  'undefined',
  'anonymous',
]);

// A short deny-list of the passwords that top every breach corpus.
const COMMON_PASSWORDS = new Set([
  'password',
  'password1',
  'password123',
  '12345678',
  '123456789',
  '1234567890',
  'qwertyui',
  'qwerty123',
  '11111111',
  '00000000',
  'iloveyou',
  'letmein1',
  'welcome1',
  'abc12345',
  'sunshine',
  'football',
  'baseball',
  'princess',
  'trustno1',
  'passw0rd',
  'admin123',
  'changeme',
]);

const Username = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9-]+$/, 'Usernames use lowercase letters, digits and "-" only.')
  .refine((u) => !RESERVED_USERNAMES.has(u), 'This username is reserved.')
  .openapi({ example: 'ada' });

const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('A valid email address is required.'))
  .openapi({ example: 'ada@example.com' });

export const Password = z
  .string()
  .min(8, 'Passwords need at least 8 characters.')
  // Argon2 cost grows with input; nobody needs more than this.
  .max(256, 'Passwords are at most 256 characters.')
  .refine((p) => !COMMON_PASSWORDS.has(p.toLowerCase()), 'This password is too common.')
  .refine((p) => new Set(p).size >= 4, 'This password is too repetitive.')
  .openapi({ example: 'correct horse battery staple' });

export const RegisterBody = z
  .object({ username: Username, email: Email, password: Password })
  .refine((b) => b.password.toLowerCase() !== b.username && b.password.toLowerCase() !== b.email.toLowerCase(), {
    message: 'The password must not be your username or email.',
    path: ['password'],
  })
  .openapi('RegisterRequest');

export const LoginBody = z
  .object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(256) })
  .openapi('LoginRequest');

const UserSummary = z.object({ user_id: Id, username: z.string(), email: z.string() });

export const RegisterReply = z
  .object({
    user_id: Id,
    username: z.string(),
    email: z.string(),
    created_at: Timestamp,
    token: z.string(),
    expires_at: Timestamp,
  })
  .openapi('RegisterReply');

export const LoginReply = z
  .object({ token: z.string(), expires_at: Timestamp, user: UserSummary })
  .openapi('LoginReply');

export const RefreshReply = z.object({ token: z.string(), expires_at: Timestamp }).openapi('RefreshReply');
