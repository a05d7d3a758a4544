// Limits on parsed JSON that per-field schemas cannot enforce everywhere: a
// dependency object keeps keys it does not know (`path`, `default-features`, ...)
// without looking inside them. Two things must still never get through:
//   - NUL characters, which Postgres text and jsonb cannot hold (the insert fails);
//   - deep nesting, which overflows the stack of whatever serialises it next
//     (JSON.stringify in the driver, the jsonb parser) and would be served back
//     to every reader of the version.

export interface JsonProblem {
  /** Dot-separated path of the offending value, in the style of fieldErrors. */
  path: string;
  message: string;
}

interface Frame {
  value: unknown;
  key: string;
  depth: number;
  parent: Frame | null;
}

function pathOf(frame: Frame): string {
  const keys: string[] = [];
  for (let f: Frame | null = frame; f?.parent; f = f.parent) keys.push(f.key);
  return keys.reverse().join('.') || '(root)';
}

/** The first NUL or over-deep container in `value`, or null. Iterative: depth costs no stack. */
export function jsonProblem(value: unknown, maxDepth: number): JsonProblem | null {
  const stack: Frame[] = [{ value, key: '', depth: 0, parent: null }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const v = frame.value;
    if (typeof v === 'string') {
      if (v.includes('\0')) return { path: pathOf(frame), message: 'Must not contain NUL characters.' };
    } else if (typeof v === 'object' && v !== null) {
      if (frame.depth >= maxDepth) return { path: pathOf(frame), message: `Nested more than ${maxDepth} levels deep.` };
      for (const [key, child] of Object.entries(v)) {
        if (key.includes('\0')) return { path: pathOf(frame), message: 'Keys must not contain NUL characters.' };
        stack.push({ value: child, key, depth: frame.depth + 1, parent: frame });
      }
    }
  }
  return null;
}
