// The raw tar headers, walked beside modern-tar. Tar readers disagree on
// corner cases (GNU long names vs PAX paths, global PAX headers, type flags
// they do not know, bodies on directories), so one archive can extract to
// different trees with different tools. modern-tar resolves those cases
// silently and hides the raw fields, so this walker sees every 512-byte header
// as the inflated bytes stream past (nothing but the small metadata bodies is
// kept) and refuses any archive whose meaning depends on the reader. It also
// records each entry's resolved name and size, so inspectTarball can check
// that modern-tar read the same entries.

export class TarballError extends Error {
  /** The archive entry at fault, when there is one: shortened and without control characters, as in messages. */
  readonly entry?: string;

  constructor(message: string, entry?: string) {
    super(message);
    if (entry !== undefined) this.entry = printable(entry);
  }
}

export interface RawEntry {
  name: string;
  size: number;
}

const BLOCK = 512;
/** PAX and GNU long-name bodies: a path, or a few records; real tools stay far below this. */
const MAX_META_BYTES = 64 * 1024;

// Type flags modern-tar reads as entries: regular files ('0', and NUL from old
// tars), directories, and links/devices/FIFOs, which inspectTarball refuses by
// name. Anything else (sparse 'S', contiguous '7', volume 'V', ...) is refused here.
const FILE_FLAGS = new Set([0x30, 0x00]);
const DIRECTORY = 0x35;
const BODYLESS_FLAGS = new Set([0x31, 0x32, 0x33, 0x34, DIRECTORY, 0x36]);
const PAX = 0x78;
const PAX_GLOBAL = 0x67;
const GNU_LONG_NAME = 0x4c;
const GNU_LONG_LINK = 0x4b;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const lenient = new TextDecoder();

export const printable = (s: string) =>
  Array.from(s.slice(0, 200), (ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? '?' : ch)).join('');

const cString = (bytes: Uint8Array) => {
  const end = bytes.indexOf(0);
  return end === -1 ? bytes : bytes.subarray(0, end);
};

/** A name field as modern-tar decodes it (lossy), refused if it is not UTF-8: readers would disagree on it. */
function nameField(bytes: Uint8Array): string {
  const raw = cString(bytes);
  const name = lenient.decode(raw);
  try {
    utf8.decode(raw);
  } catch {
    throw new TarballError(`Entry "${printable(name)}" has a name that is not valid UTF-8.`, name);
  }
  return name;
}

/** An octal number field read as modern-tar reads it; base-256 (only needed past 8 GiB) is refused. */
function octal(bytes: Uint8Array, name: string): number {
  let value = 0;
  for (const c of bytes) {
    if (c === 0) break;
    if (c === 0x20) continue;
    if (c < 0x30 || c > 0x37) throw new TarballError(`Entry "${printable(name)}" has a malformed size field.`, name);
    value = value * 8 + (c - 0x30);
  }
  return value;
}

function checksumValid(h: Uint8Array): boolean {
  let stored = 0;
  for (const c of h.subarray(148, 156)) {
    if (c === 0) break;
    if (c === 0x20) continue;
    if (c < 0x30 || c > 0x37) return false;
    stored = stored * 8 + (c - 0x30);
  }
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += h[i] ?? 0;
  return stored === sum;
}

/** PAX records, `<len> <key>=<value>\n`, read strictly: a record readers could split differently is refused. */
function paxRecords(body: Uint8Array, name: string): Record<string, string> {
  const records: Record<string, string> = Object.create(null);
  const bad = () => new TarballError(`Entry "${printable(name)}" has a malformed PAX header.`, name);
  for (let offset = 0; offset < body.byteLength; ) {
    const space = body.indexOf(0x20, offset);
    const digits = space === -1 ? '' : lenient.decode(body.subarray(offset, space));
    if (!/^[1-9]\d{0,5}$/.test(digits)) throw bad();
    const end = offset + Number(digits);
    if (end > body.byteLength || body[end - 1] !== 0x0a) throw bad();
    let record: string;
    try {
      record = utf8.decode(body.subarray(space + 1, end - 1));
    } catch {
      throw bad();
    }
    const eq = record.indexOf('=');
    if (eq <= 0) throw bad();
    records[record.slice(0, eq)] = record.slice(eq + 1);
    offset = end;
  }
  if (records.size !== undefined && !/^\d{1,15}$/.test(records.size)) throw bad();
  return records;
}

interface Pending {
  longName?: string;
  longLink?: boolean;
  pax?: Record<string, string>;
  /** Why the entry these headers describe is refused. */
  problem?: string;
}

const COMBINED = 'combines a PAX path with a GNU long-name header; tar readers disagree on which wins.';

export class TarHeaderWalker {
  /** Entries read but not yet matched against modern-tar's, oldest first. */
  readonly entries: RawEntry[] = [];
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  /** Body and padding bytes of the current entry still to pass. */
  private skip = 0;
  private meta: { flag: number; name: string; body: Uint8Array; fill: number; padding: number } | null = null;
  private pending: Pending = {};
  private ended = false;

  /** Feeds inflated bytes; throws TarballError at the first header that readers could read differently. */
  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.byteLength && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.byteLength - i);
        this.skip -= n;
        i += n;
      } else if (this.meta) {
        const m = this.meta;
        const n = Math.min(m.body.byteLength - m.fill, chunk.byteLength - i);
        m.body.set(chunk.subarray(i, i + n), m.fill);
        m.fill += n;
        i += n;
        if (m.fill === m.body.byteLength) {
          this.meta = null;
          this.skip = m.padding;
          this.metaDone(m.flag, m.name, m.body);
        }
      } else {
        const n = Math.min(BLOCK - this.headerFill, chunk.byteLength - i);
        this.header.set(chunk.subarray(i, i + n), this.headerFill);
        this.headerFill += n;
        i += n;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.onHeader(this.header);
        }
      }
    }
  }

  private onHeader(h: Uint8Array): void {
    // The end-of-archive marker; modern-tar (strict) checks that only zeros follow.
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    // Garbage is a corrupt archive, not an odd entry: the same checksum test modern-tar (strict) applies.
    if (!checksumValid(h)) throw new TarballError('The tarball is not a valid tar archive (corrupt or truncated).');
    const flag = h[156] ?? 0;
    const posix = h.subarray(257, 263).every((b, k) => b === 'ustar\0'.charCodeAt(k));
    const ustar = h.subarray(257, 262).every((b, k) => b === 'ustar'.charCodeAt(k));
    let name = nameField(h.subarray(0, 100));
    const prefix = posix ? nameField(h.subarray(345, 500)) : '';
    if (prefix) name = `${prefix}/${name}`;
    const size = octal(h.subarray(124, 136), name);
    const refuse = (why: string) => {
      throw new TarballError(`Entry "${printable(name)}" ${why}`, name);
    };

    if (flag === PAX_GLOBAL) refuse('is a global PAX header, which tar readers apply differently; not allowed.');
    if (flag === PAX || flag === GNU_LONG_NAME || flag === GNU_LONG_LINK) {
      // Refused at the entry these headers describe, so the refusal can name it.
      const pending = this.pending;
      const problem = (why: string) => {
        pending.problem ??= why;
      };
      if (pending.pax) {
        if (flag !== PAX && (pending.pax.path !== undefined || pending.pax.linkpath !== undefined)) problem(COMBINED);
        problem('follows a PAX header for the same entry; tar readers disagree on which applies.');
      }
      if (flag !== PAX && !ustar) problem('has a GNU long-name header without the ustar magic.');
      if ((flag === GNU_LONG_NAME && pending.longName !== undefined) || (flag === GNU_LONG_LINK && pending.longLink)) {
        problem('has two GNU long-name headers.');
      }
      if (size > MAX_META_BYTES) refuse(`has an extended header over ${MAX_META_BYTES} bytes.`);
      if (size === 0) this.metaDone(flag, name, new Uint8Array(0));
      else this.meta = { flag, name, body: new Uint8Array(size), fill: 0, padding: -size & (BLOCK - 1) };
      return;
    }

    const { pax, longName, problem } = this.pending;
    this.pending = {};
    name = pax?.path ?? longName ?? name;
    if (problem) refuse(problem);
    const paxSize = pax?.size === undefined ? undefined : Number(pax.size);
    if (FILE_FLAGS.has(flag)) {
      // modern-tar turns such an entry into a directory; other readers make a file.
      if (name.endsWith('/')) refuse('is a regular file whose name ends in "/".');
      const body = paxSize ?? size;
      this.entries.push({ name, size: body });
      this.skip = body + (-body & (BLOCK - 1));
      return;
    }
    if (BODYLESS_FLAGS.has(flag)) {
      // modern-tar skips no body for these; a reader that honours the size would not.
      if (size !== 0 || (paxSize ?? 0) !== 0) refuse('is a directory or link with a body.');
      this.entries.push({ name, size: 0 });
      return;
    }
    const shown = flag >= 0x21 && flag <= 0x7e ? String.fromCharCode(flag) : `0x${flag.toString(16)}`;
    refuse(`has tar type "${shown}"; only files and directories are allowed.`);
  }

  private metaDone(flag: number, name: string, body: Uint8Array): void {
    if (flag === GNU_LONG_NAME) this.pending.longName = nameField(body);
    else if (flag === GNU_LONG_LINK) this.pending.longLink = true;
    else {
      const pax = paxRecords(body, name);
      if (
        (pax.path !== undefined || pax.linkpath !== undefined) &&
        (this.pending.longName !== undefined || this.pending.longLink)
      ) {
        this.pending.problem ??= COMBINED;
      }
      this.pending.pax = pax;
    }
  }
}
