// Runs inside workerd, where compiling WebAssembly from bytes is forbidden:
// these pass only because the precompiled hash-wasm modules are handed over.
import { describe, expect, it } from 'vitest';
import { ARGON2_PARAMS, hashPassword, verifyPassword } from '../../src/lib/password';

describe('Argon2id in workerd', () => {
  it('the runtime really forbids compiling WASM from bytes (the trap this guards against)', async () => {
    const emptyModule = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(WebAssembly.instantiate(emptyModule)).rejects.toThrow(/disallowed|not allowed|code generation/i);
  });

  it('hashes to a PHC string with the configured cost and verifies', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(
      new RegExp(
        `^\\$argon2id\\$v=19\\$m=${ARGON2_PARAMS.memorySize},t=${ARGON2_PARAMS.iterations},p=${ARGON2_PARAMS.parallelism}\\$`,
      ),
    );
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
  });

  it('meets OWASP minimums for Argon2id', () => {
    expect(ARGON2_PARAMS.memorySize).toBeGreaterThanOrEqual(19456);
    expect(ARGON2_PARAMS.iterations).toBeGreaterThanOrEqual(2);
  });
});
