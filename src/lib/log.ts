// The one logger: one JSON line per event, and every error through
// describeError, so a failed query's SQL and parameters, a token or a password
// inside an error message never reach the logs. Fields are the caller's choice
// and must never hold secrets (log ids and names, not headers or bodies).
type Fields = Record<string, unknown>;

function write(level: 'info' | 'warn' | 'error', msg: string, fields: Fields): void {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

export const log = {
  info: (msg: string, fields: Fields = {}) => write('info', msg, fields),
  warn: (msg: string, fields: Fields = {}) => write('warn', msg, fields),
  /** `err` is described (name, message, code; never a query's text), not dumped. */
  error: (msg: string, err?: unknown, fields: Fields = {}) =>
    write('error', msg, { ...fields, ...(err === undefined ? {} : describeError(err)) }),
};

/**
 * What an unexpected error may put in a log line. Drizzle's query errors embed
 * the SQL parameters in their message (emails, names), so log the driver's
 * cause and its SQLSTATE instead.
 */
export function describeError(err: unknown): { error: string; code?: string } {
  if (!(err instanceof Error)) return { error: String(err) };
  if (err.message.startsWith('Failed query')) {
    // Never drizzle's own message (it carries the parameters); the driver's cause, whatever its type.
    const cause = err.cause as { name?: unknown; message?: unknown; type?: unknown; code?: unknown } | undefined;
    const what = typeof cause?.message === 'string' ? cause.message : String(cause?.type ?? 'unknown cause');
    const name = typeof cause?.name === 'string' ? cause.name : 'Error';
    return {
      error: `Failed query: ${name}: ${what}`,
      ...(typeof cause?.code === 'string' ? { code: cause.code } : {}),
    };
  }
  const code = (err as { code?: unknown }).code;
  return { error: `${err.name}: ${err.message}`, ...(typeof code === 'string' ? { code } : {}) };
}
