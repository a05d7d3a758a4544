// hash-wasm compiles its embedded WASM from bytes at run time, which workerd
// forbids. scripts/extract-wasm.ts writes those same binaries out as .wasm files
// that wrangler imports precompiled; this shim hands hash-wasm the precompiled
// module when the bytes it asks to compile hash to a known binary. Anything
// else goes to the real WebAssembly.compile (and fails loudly in workerd).
import argon2 from '../generated/wasm/argon2.wasm';
import blake2b from '../generated/wasm/blake2b.wasm';
import { WASM_SHA256 } from '../generated/wasm/manifest';
import { toHex } from './encoding';

const byDigest = new Map<string, WebAssembly.Module>([
  [WASM_SHA256.argon2, argon2],
  [WASM_SHA256.blake2b, blake2b],
]);

let installed = false;

export function installPrecompiledWasm(): void {
  if (installed) return;
  installed = true;
  // Workers' types omit compile() because workerd refuses it; hash-wasm still calls it.
  const wasm = WebAssembly as unknown as { compile(bytes: BufferSource): Promise<WebAssembly.Module> };
  const compile = wasm.compile.bind(WebAssembly);
  wasm.compile = async (bytes: BufferSource) => {
    const digest = toHex(await crypto.subtle.digest('SHA-256', bytes));
    return byDigest.get(digest) ?? compile(bytes);
  };
}
