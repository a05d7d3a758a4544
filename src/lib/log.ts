// The one logger: one JSON line per event, and every error through
// describeError, so a failed query's SQL and parameters, a token or a password
// inside an error message never reach the logs. Fields are the caller's choice
// and must never hold secrets (log ids and names, not headers or bodies).
import { describeError } from '../errors';

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
