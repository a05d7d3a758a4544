// Tarball inspection, streamed: gzip is inflated with DecompressionStream,
// counted against a cap (so a gzip bomb is refused, never unpacked into
// memory), and walked entry by entry with modern-tar's decoder. Only raven.toml
// and the README are kept; every other body is skipped as it streams past.
// The raw headers are checked beside it (tar-headers.ts) and the paths for
// collisions (tar-paths.ts), so every tar reader extracts the same tree.
import { createTarDecoder, type ParsedTarEntry } from 'modern-tar';
import { printable, TarballError, TarHeaderWalker } from './tar-headers';
import { PathSet } from './tar-paths';

export { TarballError };

export interface TarballLimits {
  /** Total inflated bytes (tar headers included). */
  maxUnpackedBytes: number;
  maxEntries: number;
  maxManifestBytes: number;
  /** A longer README is kept truncated to this many bytes. */
  maxReadmeBytes: number;
}

export const DEFAULT_TARBALL_LIMITS: TarballLimits = {
  maxUnpackedBytes: 256 * 1024 * 1024,
  maxEntries: 10_000,
  maxManifestBytes: 64 * 1024,
  maxReadmeBytes: 512 * 1024,
};

export interface TarballContents {
  manifestText: string;
  readme: string | null;
  entries: number;
  unpackedBytes: number;
}

const COALESCE_BYTES = 64 * 1024;

const README = /^readme(\.(md|markdown|txt))?$/i;

/** The archive path with `./` and empty segments dropped; refuses anything that could escape the package root. */
export function safeEntryPath(name: string): string {
  const refuse = (why: string) => new TarballError(`Entry "${printable(name)}" ${why}`, name);
  if (name.includes('\0')) throw refuse('has a NUL byte in its name.');
  if (name.includes('\\')) throw refuse('uses "\\" in its path.');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw refuse('has an absolute path.');
  const parts = name.split('/');
  if (parts.includes('..')) throw refuse('reaches outside the package with "..".');
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

function checkType(entry: ParsedTarEntry, path: string): 'file' | 'directory' {
  const type = entry.header.type ?? 'file';
  if (type === 'file' || type === 'directory') return type;
  const what =
    type === 'symlink'
      ? 'a symlink'
      : type === 'link'
        ? 'a hardlink'
        : type === 'fifo'
          ? 'a FIFO'
          : type.endsWith('device')
            ? 'a device file'
            : `of type ${type}`;
  const name = path || entry.header.name;
  throw new TarballError(`Entry "${printable(name)}" is ${what}; only files and directories are allowed.`, name);
}

/** Reads at most `max` bytes of an entry; `truncate` decides whether more is an error or ignored. */
async function readText(body: ReadableStream<Uint8Array>, max: number, truncate: boolean, what: string) {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      if (!truncate) {
        await reader.cancel();
        throw new TarballError(`${what} is larger than ${max} bytes.`);
      }
      chunks.push(value.subarray(0, max - size));
      size = max;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  // A truncated README may end inside a UTF-8 sequence; the decoder replaces it.
  return new TextDecoder('utf-8', { fatal: !truncate, ignoreBOM: false }).decode(bytes);
}

/**
 * Inspects a `.tar.gz` stream. Throws TarballError (a client mistake) for
 * anything that is not a clean gzipped tar of files and directories holding
 * raven.toml at its root.
 */
export async function inspectTarball(
  body: ReadableStream<Uint8Array>,
  limits: TarballLimits = DEFAULT_TARBALL_LIMITS,
): Promise<TarballContents> {
  let gzipFailed = false;
  let sniffed = 0;
  let unpacked = 0;
  let refusal: TarballError | undefined;
  const refuse = (err: TarballError) => {
    refusal ??= err;
    throw err;
  };

  const magic = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      for (let i = 0; sniffed < 2 && i < chunk.byteLength; i++, sniffed++) {
        if (chunk[i] !== (sniffed === 0 ? 0x1f : 0x8b)) refuse(new TarballError('The tarball is not gzip-compressed.'));
      }
      ctl.enqueue(chunk);
    },
    flush() {
      if (sniffed < 2) refuse(new TarballError('The tarball is empty or not gzip-compressed.'));
    },
  });
  // Inflated bytes are counted against the cap and regrouped from
  // DecompressionStream's 4 KiB chunks into 64 KiB ones by a plain read loop:
  // per-chunk stream overhead, not inflating, dominates the CPU cost of a big
  // archive, and a loop costs far less per chunk than a TransformStream.
  const inflated = body.pipeThrough(magic).pipeThrough(new DecompressionStream('gzip')).getReader();
  const decoder = createTarDecoder({ strict: true });
  const headers = new TarHeaderWalker();
  const feed = (async () => {
    const writer = decoder.writable.getWriter();
    let pending = new Uint8Array(COALESCE_BYTES);
    let fill = 0;
    try {
      for (;;) {
        const { done, value } = await inflated.read().catch((err: unknown) => {
          gzipFailed = true;
          throw err;
        });
        if (done) break;
        unpacked += value.byteLength;
        if (unpacked > limits.maxUnpackedBytes) {
          refuse(new TarballError(`The tarball unpacks to more than ${limits.maxUnpackedBytes} bytes.`));
        }
        // Before modern-tar sees these bytes, so every entry it yields has been walked here first.
        try {
          headers.push(value);
        } catch (err) {
          if (err instanceof TarballError) refuse(err);
          throw err;
        }
        for (let offset = 0; offset < value.byteLength; ) {
          const n = Math.min(value.byteLength - offset, COALESCE_BYTES - fill);
          pending.set(value.subarray(offset, offset + n), fill);
          fill += n;
          offset += n;
          if (fill === COALESCE_BYTES) {
            await writer.ready;
            writer.write(pending).catch(() => {});
            pending = new Uint8Array(COALESCE_BYTES);
            fill = 0;
          }
        }
      }
      if (fill > 0) {
        await writer.ready;
        writer.write(pending.subarray(0, fill)).catch(() => {});
      }
      await writer.close();
    } catch (err) {
      await writer.abort(err).catch(() => {});
      await inflated.cancel(err).catch(() => {});
      throw err;
    }
  })();
  feed.catch(() => {});
  const entries = decoder.readable;

  let manifestText: string | undefined;
  let readme: string | null = null;
  let count = 0;
  const paths = new PathSet(limits.maxEntries * 4);
  try {
    for await (const entry of entries) {
      count += 1;
      if (count > limits.maxEntries) throw new TarballError(`The tarball has more than ${limits.maxEntries} entries.`);
      const raw = headers.entries.shift();
      if (raw?.name !== entry.header.name || (entry.header.type === 'file' && raw.size !== entry.header.size)) {
        throw new TarballError(`Tar readers disagree about entry ${count} ("${printable(entry.header.name)}").`);
      }
      const path = safeEntryPath(entry.header.name);
      const type = checkType(entry, path);
      if (type === 'directory') {
        if (path !== '') paths.add(path, 'directory');
        await entry.body.cancel();
        continue;
      }
      if (path === '') throw new TarballError('A file entry has an empty name.');
      paths.add(path, 'file');
      if (path === 'raven.toml') {
        manifestText = await readText(entry.body, limits.maxManifestBytes, false, 'raven.toml');
      } else if (readme === null && README.test(path)) {
        readme = await readText(entry.body, limits.maxReadmeBytes, true, path);
      } else {
        await entry.body.cancel();
      }
    }
    await feed;
  } catch (err) {
    await inflated.cancel().catch(() => {});
    if (refusal) throw refusal;
    if (err instanceof TarballError) throw err;
    if (err instanceof TypeError && /utf-?8|decode/i.test(err.message)) {
      throw new TarballError('raven.toml is not valid UTF-8.');
    }
    throw new TarballError(
      gzipFailed
        ? 'The tarball is not a valid gzip stream (corrupt or truncated).'
        : 'The tarball is not a valid tar archive (corrupt or truncated).',
    );
  }
  if (manifestText === undefined) throw new TarballError('The tarball has no raven.toml at its root.');
  return { manifestText, readme, entries: count, unpackedBytes: unpacked };
}

/** `sha256:<hex>` of a stream and its length, without keeping the bytes. */
export async function checksumOf(body: ReadableStream<Uint8Array>): Promise<{ checksum: string; size: number }> {
  const digest = new crypto.DigestStream('SHA-256');
  let size = 0;
  await body
    .pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          size += chunk.byteLength;
          ctl.enqueue(chunk);
        },
      }),
    )
    .pipeTo(digest);
  const hex = [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { checksum: `sha256:${hex}`, size };
}
