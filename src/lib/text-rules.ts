// Text a person will read in a terminal or a page: names, descriptions,
// messages. Control characters can rewrite a terminal (ANSI ESC sequences) and
// bidi overrides can make text display as something other than what it is
// (a token named "prod" that reads backwards), so such fields refuse them.
import { z } from '@hono/zod-openapi';

/**
 * C0 controls (incl. ESC, NUL, tab, newline), DEL and C1 controls; the bidi
 * embeddings/overrides U+202A-U+202E, isolates U+2066-U+2069, and the
 * left-to-right / right-to-left marks U+200E, U+200F. All lie in the BMP, so
 * UTF-16 code units suffice (surrogate halves never fall in these ranges).
 */
function isRefused(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

export function refusesControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isRefused(s.charCodeAt(i))) return true;
  return false;
}

const CONTROL_CHARS_MESSAGE = 'Control characters and bidirectional overrides are not allowed here.';

/** A zod string with the refusal built in; chain length limits etc. before or after as needed. */
export const safeText = z.string().refine((s) => !refusesControlChars(s), CONTROL_CHARS_MESSAGE);

/** The same refusal for an existing string schema (keeps its own limits and messages). */
export function plainText<T extends z.ZodType<string>>(schema: T) {
  return schema.refine((s) => !refusesControlChars(s), CONTROL_CHARS_MESSAGE);
}
