// What `raven pkg` sends, reproduced byte for byte from Node: the end-to-end
// tests and the benchmarks publish through this, so both exercise the server
// the way the real CLI does.
import { gunzipSync } from 'node:zlib';
import { unpackTar } from 'modern-tar';
import { metadataFromToml, type PublishMetadata } from './cli-metadata.ts';

export type { PublishMetadata };

/** The metadata the CLI derives from a package's raven.toml. */
export async function metadataFromTarball(tarball: Uint8Array): Promise<PublishMetadata> {
  const entries = await unpackTar(gunzipSync(tarball));
  const manifest = entries.find((e) => e.header.name.replace(/^\.\//, '') === 'raven.toml');
  if (!manifest?.data) throw new Error('tarball has no raven.toml');
  return metadataFromToml(new TextDecoder().decode(manifest.data));
}

/**
 * multipart/form-data as reqwest builds it for the CLI: a text part `metadata`
 * and a file part `tarball` named `<name>-<version>.tar.gz`, neither with a
 * Content-Type of its own.
 */
export function publishBody(metadata: PublishMetadata, tarball: Uint8Array): { body: Buffer; contentType: string } {
  const boundary = `raven${crypto.randomUUID().replace(/-/g, '')}`;
  const head = (disposition: string) => `--${boundary}\r\nContent-Disposition: form-data; ${disposition}\r\n\r\n`;
  const body = Buffer.concat([
    Buffer.from(`${head('name="metadata"') + JSON.stringify(metadata)}\r\n`),
    Buffer.from(head(`name="tarball"; filename="${metadata.name}-${metadata.version}.tar.gz"`)),
    Buffer.from(tarball),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function publish(apiBase: string, token: string, tarball: Uint8Array, metadata?: PublishMetadata) {
  const meta = metadata ?? (await metadataFromTarball(tarball));
  const { body, contentType } = publishBody(meta, tarball);
  return fetch(`${apiBase}/packages/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: new Uint8Array(body),
  });
}
