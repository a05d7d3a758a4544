// Hono hands only Error instances to app.onError; anything else thrown escapes
// the app and the runtime answers with its own error page instead of the
// contract's 500 body with a request id. The Neon driver is one such thrower:
// when its WebSocket cannot connect (the database unreachable), queries reject
// with the socket's ErrorEvent. Registered right after requestContext, so the
// converted error is rendered by onError like any other.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

class NonErrorThrown extends Error {
  constructor(readonly value: unknown) {
    const message =
      typeof value === 'object' && value !== null && 'message' in value ? String(value.message) : String(value);
    super(`A non-Error value was thrown: ${message}`, { cause: value });
    this.name = 'NonErrorThrown';
  }
}

export const surfaceNonErrors = createMiddleware<AppEnv>(async (_c, next) => {
  try {
    await next();
  } catch (err) {
    throw err instanceof Error ? err : new NonErrorThrown(err);
  }
});
