// Postgres errors arrive wrapped by drizzle (DrizzleQueryError.cause); this
// finds the driver's error so services can map constraint violations.
interface PgError {
  code: string;
  constraint?: string;
}

function pgError(err: unknown): PgError | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (
      typeof e === 'object' &&
      'code' in e &&
      typeof (e as PgError).code === 'string' &&
      /^[0-9A-Z]{5}$/.test((e as PgError).code)
    ) {
      return e as PgError;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const pg = pgError(err);
  return pg?.code === UNIQUE_VIOLATION && (constraint === undefined || pg.constraint === constraint);
}

// character_not_in_repertoire (NUL in text), untranslatable_character.
const INVALID_TEXT = new Set(['22021', '22P05']);

export function isInvalidTextError(err: unknown): boolean {
  const code = pgError(err)?.code;
  return code !== undefined && INVALID_TEXT.has(code);
}
