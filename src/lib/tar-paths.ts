// Paths that collide on some file system. Case-insensitive (macOS, Windows),
// normalisation-insensitive (macOS: NFC vs NFD) and trailing-dot/space
// stripping (Windows) file systems would extract `raven.toml` and `RAVEN.TOML`,
// or `src/a.raven` and `src/a.raven.`, to one file, and which one wins depends
// on the order; on Linux both exist. What a user builds must not depend on
// where they extract, so such archives are refused, as are duplicates and a
// path used both as a file and as a directory.
import { printable, TarballError } from './tar-headers';

/** Longest path and path segment kept: past them extraction fails on common file systems anyway. */
export const MAX_PATH_CHARS = 1024;
export const MAX_SEGMENT_BYTES = 255;

const encoder = new TextEncoder();

/** What a forgiving file system compares: NFC, case-folded, without trailing dots and spaces. */
function foldSegment(segment: string): string {
  return segment
    .normalize('NFC')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFC')
    .replace(/[. ]+$/, '');
}

/**
 * A tree of the archive's paths, one node per distinct segment: memory grows
 * with the archive's distinct files and directories (capped), never with
 * path depth squared.
 */
export class PathSet {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [''];
  private readonly kinds: ('file' | 'directory')[] = ['directory'];

  constructor(private readonly maxNodes: number) {}

  /** `path` is already safe (see safeEntryPath): no empty, `.` or `..` segments. */
  add(path: string, kind: 'file' | 'directory'): void {
    const refuse = (why: string) => {
      throw new TarballError(`Entry "${printable(path)}" ${why}`, path);
    };
    if (path.length > MAX_PATH_CHARS) refuse(`has a path longer than ${MAX_PATH_CHARS} characters.`);
    const segments = path.split('/');
    let parent = 0;
    let prefix = '';
    for (const [i, segment] of segments.entries()) {
      if (encoder.encode(segment).byteLength > MAX_SEGMENT_BYTES) {
        refuse(`has a path segment longer than ${MAX_SEGMENT_BYTES} bytes.`);
      }
      const want = i === segments.length - 1 ? kind : 'directory';
      const key = `${parent}/${foldSegment(segment)}`;
      let id = this.ids.get(key);
      if (id === undefined) {
        id = this.names.length;
        if (id > this.maxNodes) refuse(`makes the archive name more than ${this.maxNodes} files and directories.`);
        this.ids.set(key, id);
        this.names.push(segment);
        this.kinds.push(want);
      } else {
        const seen = `${prefix}${this.names[id]}`;
        if (this.names[id] !== segment) {
          refuse(
            `and "${printable(seen)}" differ only in case, Unicode normalisation or trailing dots/spaces; they collide on some file systems.`,
          );
        }
        if (this.kinds[id] !== want) refuse(`uses "${printable(seen)}" both as a file and as a directory.`);
        if (want === 'file') refuse('appears twice.');
      }
      prefix += `${segment}/`;
      parent = id;
    }
  }
}
