// A streaming multipart/form-data reader for publish. Unlike Request.formData()
// (which buffers the whole body and then copies every file part, ~2x the upload
// at peak), it keeps each part as the list of chunks it arrived in, uncopied (a
// few bytes are copied only where a chunk edge cuts a possible delimiter), and a
// file part can be re-read as a stream, hashed, inspected and handed to R2 with
// a known length, without ever being joined. Boundary search is linear: the
// native indexOf finds each candidate first byte, and a delimiter is at most 74
// bytes to compare.

export class MultipartError extends Error {}

export interface MultipartPart {
  name: string;
  filename: string | null;
  size: number;
  chunks: Uint8Array[];
}

export interface MultipartLimits {
  /** Bytes of one part's headers. */
  maxHeaderBytes: number;
  maxParts: number;
  /** Bytes of a part without a filename (a text field). */
  maxFieldBytes: number;
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = {
  maxHeaderBytes: 8 * 1024,
  maxParts: 16,
  maxFieldBytes: 1024 * 1024,
};

const enc = new TextEncoder();
const CRLF = enc.encode('\r\n');
const HEADER_END = enc.encode('\r\n\r\n');

/** The boundary parameter of a multipart/form-data Content-Type, or null. */
export function boundaryOf(contentType: string | null | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2] ?? null;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = haystack.byteLength - needle.byteLength;
  for (
    let i = haystack.indexOf(first as number, from);
    i !== -1 && i <= last;
    i = haystack.indexOf(first as number, i + 1)
  ) {
    let j = 1;
    while (j < needle.byteLength && haystack[i + j] === needle[j]) j++;
    if (j === needle.byteLength) return i;
  }
  return -1;
}

/**
 * How many bytes at the end of `haystack` could be the start of `needle`
 * (cut by a chunk edge): only those wait for the next chunk. Usually none, so
 * a body chunk is kept as it arrived rather than copied onto the kept tail.
 */
function partialTail(haystack: Uint8Array, needle: Uint8Array): number {
  const from = Math.max(0, haystack.byteLength - needle.byteLength + 1);
  for (
    let i = haystack.indexOf(needle[0] as number, from);
    i !== -1;
    i = haystack.indexOf(needle[0] as number, i + 1)
  ) {
    let j = 1;
    while (i + j < haystack.byteLength && haystack[i + j] === needle[j]) j++;
    if (i + j === haystack.byteLength) return haystack.byteLength - i;
  }
  return 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

function parseHeaders(block: string): { name: string; filename: string | null } {
  const disposition = block
    .split('\r\n')
    .find((line) => /^content-disposition\s*:/i.test(line))
    ?.replace(/^[^:]*:\s*/, '');
  if (!disposition || !/^form-data\b/i.test(disposition)) {
    throw new MultipartError('A part has no "Content-Disposition: form-data" header.');
  }
  const param = (key: string) => {
    const m = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"|;\\s*${key}=([^;\\s]+)`, 'i').exec(disposition);
    const raw = m?.[1] ?? m?.[2];
    return raw === undefined ? null : raw.replace(/\\(.)/g, '$1');
  };
  const name = param('name');
  if (name === null) throw new MultipartError('A part has no name.');
  return { name, filename: param('filename') };
}

/**
 * Called with each part once its closing delimiter has been read, before any
 * more of the body is pulled; a throw cancels the body and is rethrown as is.
 * Publish uses it to refuse on the metadata part before the tarball streams in.
 */
export type PartEndHook = (part: MultipartPart) => void | Promise<void>;

/** Reads a whole multipart/form-data body into parts, refusing malformed or oversized input. */
export async function readMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS,
  onPartEnd?: PartEndHook,
): Promise<MultipartPart[]> {
  // Seeding with CRLF lets the first delimiter be found like every other one.
  const delimiter = enc.encode(`\r\n--${boundary}`);
  const parts: MultipartPart[] = [];
  type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';
  let state = 'preamble' as State;
  let buf: Uint8Array = CRLF;
  let part: MultipartPart | undefined;
  /** Parts completed by the last consume(), for the hook. */
  const ended: MultipartPart[] = [];

  const append = (data: Uint8Array) => {
    if (!part || data.byteLength === 0) return;
    part.size += data.byteLength;
    if (part.filename === null && part.size > limits.maxFieldBytes) {
      throw new MultipartError(`The "${part.name}" field is larger than ${limits.maxFieldBytes} bytes.`);
    }
    part.chunks.push(data);
  };

  const consume = () => {
    for (;;) {
      if (state === 'preamble' || state === 'body') {
        const at = indexOf(buf, delimiter);
        if (at === -1) {
          // Keep only a tail that could still be the start of a delimiter.
          const keep = partialTail(buf, delimiter);
          if (state === 'body') append(buf.subarray(0, buf.byteLength - keep));
          buf = buf.subarray(buf.byteLength - keep);
          return;
        }
        if (state === 'body') {
          append(buf.subarray(0, at));
          if (part) ended.push(part);
        }
        buf = buf.subarray(at + delimiter.byteLength);
        state = 'after-delimiter';
      } else if (state === 'after-delimiter') {
        if (buf.byteLength < 2) return;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          return;
        }
        const eol = indexOf(buf, CRLF);
        if (eol === -1) {
          if (buf.byteLength > 256) throw new MultipartError('Malformed multipart delimiter line.');
          return;
        }
        // Transport padding (spaces, tabs) may follow a delimiter.
        if (!buf.subarray(0, eol).every((b) => b === 0x20 || b === 0x09)) {
          throw new MultipartError('Malformed multipart delimiter line.');
        }
        buf = buf.subarray(eol + 2);
        state = 'headers';
      } else if (state === 'headers') {
        const end = indexOf(buf, HEADER_END);
        // A part with no headers at all starts with the blank line directly.
        const bare = buf.byteLength >= 2 && buf[0] === 0x0d && buf[1] === 0x0a;
        if (end === -1 && !bare) {
          if (buf.byteLength > limits.maxHeaderBytes) throw new MultipartError('A part header is too large.');
          return;
        }
        const headerBytes = bare ? 0 : end;
        if (headerBytes > limits.maxHeaderBytes) throw new MultipartError('A part header is too large.');
        const text = new TextDecoder().decode(buf.subarray(0, headerBytes));
        if (parts.length >= limits.maxParts) throw new MultipartError(`More than ${limits.maxParts} parts.`);
        part = { ...parseHeaders(text), size: 0, chunks: [] };
        parts.push(part);
        buf = buf.subarray(bare ? 2 : end + 4);
        state = 'body';
      } else {
        return;
      }
    }
  };

  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (state === 'done') continue; // the epilogue is ignored
      buf = concat(buf, value);
      consume();
      if (onPartEnd) for (const p of ended.splice(0)) await onPartEnd(p);
    }
  } catch (err) {
    // Stop the upload where it is: nothing more of the body is read.
    await reader.cancel(err).catch(() => {});
    throw err;
  } finally {
    reader.releaseLock();
  }
  if (state !== 'done') throw new MultipartError('The multipart body ends before its closing delimiter.');
  return parts;
}

/** A part's bytes as a fresh stream each time (the chunks are shared, never copied). */
export function partStream(part: MultipartPart): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      const chunk = part.chunks[i++];
      if (chunk) ctl.enqueue(chunk);
      else ctl.close();
    },
  });
}

export const partText = (part: MultipartPart) => {
  const bytes = new Uint8Array(part.size);
  let offset = 0;
  for (const c of part.chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
};
