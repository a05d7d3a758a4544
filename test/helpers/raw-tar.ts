// Tar archives written byte by byte, for the headers no tar library would
// emit: GNU long names beside PAX paths, long names without ustar magic,
// global PAX headers, unknown type flags, directories with bodies.

const encoder = new TextEncoder();
const BLOCK = 512;

export interface RawHeader {
  /** Bytes when the test needs a name that is not UTF-8. */
  name: string | Uint8Array;
  /** The one-character type flag; `\0` for the old regular-file flag. */
  type?: string;
  /** The size field; defaults to the body's length. */
  size?: number;
  /** POSIX `ustar\000`, GNU `ustar  \0`, or none (a V7 header). */
  magic?: 'posix' | 'gnu' | 'none';
  prefix?: string;
}

function put(block: Uint8Array, offset: number, length: number, value: string | Uint8Array) {
  const bytes = typeof value === 'string' ? encoder.encode(value) : value;
  block.set(bytes.subarray(0, length), offset);
}

const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`;

/** One 512-byte header block with a valid checksum. */
function header(h: RawHeader, bodyLength: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  put(block, 0, 100, h.name);
  put(block, 100, 8, octal(0o644, 8));
  put(block, 108, 8, octal(0, 8));
  put(block, 116, 8, octal(0, 8));
  put(block, 124, 12, octal(h.size ?? bodyLength, 12));
  put(block, 136, 12, octal(1_700_000_000, 12));
  put(block, 156, 1, h.type ?? '0');
  const magic = h.magic ?? 'posix';
  if (magic === 'posix') put(block, 257, 8, 'ustar\u000000');
  if (magic === 'gnu') put(block, 257, 8, 'ustar  \0');
  if (h.prefix) put(block, 345, 155, h.prefix);
  put(block, 148, 8, '        ');
  const sum = block.reduce((a, b) => a + b, 0);
  put(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** A header and its body, padded to whole blocks. */
export function entry(h: RawHeader, body: string | Uint8Array = ''): Uint8Array {
  const data = typeof body === 'string' ? encoder.encode(body) : body;
  const padded = new Uint8Array(BLOCK + Math.ceil(data.byteLength / BLOCK) * BLOCK);
  padded.set(header(h, data.byteLength));
  padded.set(data, BLOCK);
  return padded;
}

/** A PAX extended header (`x`, or `g` for a global one) holding these records. */
export function pax(records: Record<string, string>, type: 'x' | 'g' = 'x'): Uint8Array {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    let len = encoder.encode(rest).byteLength + 1;
    while (String(len).length + encoder.encode(rest).byteLength !== len) len += 1;
    body += `${len}${rest}`;
  }
  return entry({ name: 'PaxHeader/x', type }, body);
}

/** A GNU long-name (`L`) or long-link (`K`) header, GNU magic unless told otherwise. */
export function gnuLong(kind: 'L' | 'K', value: string, magic: RawHeader['magic'] = 'gnu'): Uint8Array {
  return entry({ name: '././@LongLink', type: kind, magic }, `${value}\0`);
}

/** The parts, the two zero blocks that end an archive, gzipped. */
export async function rawTarball(...parts: Uint8Array[]): Promise<Uint8Array<ArrayBuffer>> {
  const total = parts.reduce((n, p) => n + p.byteLength, 0) + 2 * BLOCK;
  const tar = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    tar.set(p, offset);
    offset += p.byteLength;
  }
  const gz = new Blob([tar]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(gz).arrayBuffer());
}
