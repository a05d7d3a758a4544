// Text a terminal or a browser shows to someone else (descriptions, authors,
// keywords, deprecation messages, token names) must look like what it is: a
// control character (C0, DEL, C1 — ANSI escapes start with ESC) can rewrite a
// terminal, and a bidi override or isolate can make text read backwards.
import { z } from '@hono/zod-openapi';

// C0 (tab and newline included: these are one-line fields), DEL, C1, the
// left-to-right/right-to-left marks, embeddings/overrides and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export function refusesControlChars(s: string): boolean {
  return CONTROL.test(s);
}

/** A string without control or bidi-override characters; chain `.max()`, `.trim()`… on it like any zod string. */
export const safeText = z
  .string()
  .refine(
    (s) => !refusesControlChars(s),
    'Control characters (including newlines, ANSI escapes and bidi overrides) are not allowed.',
  );
