// Argon2id (hash-wasm) at OWASP's minimum: m = 19 MiB, t = 2, p = 1, stored as
// a PHC string so parameters can be raised later without breaking old hashes.
import { argon2id, argon2Verify } from 'hash-wasm';
import { installPrecompiledWasm } from './wasm-modules';

installPrecompiledWasm();

export const ARGON2_PARAMS = { memorySize: 19456, iterations: 2, parallelism: 1, hashLength: 32 } as const;

export function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return argon2id({ password, salt, ...ARGON2_PARAMS, outputType: 'encoded' });
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return argon2Verify({ password, hash });
}

// Verified against when the email is unknown, so a miss costs the same time as a
// wrong password and response timing does not reveal which emails have accounts.
let decoy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  decoy ??= hashPassword(crypto.randomUUID());
  await verifyPassword(password, await decoy);
}
