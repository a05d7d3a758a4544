// Every resource router is an OpenAPIHono made here, so validation failures
// from any route's zod schemas become the contract's 400 body.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { z } from 'zod';
import type { AppEnv } from './env';
import { invalid } from './errors';

export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.') || '(root)';
    fields[path] ??= issue.message;
  }
  return fields;
}

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const fields = fieldErrors(result.error);
        throw invalid(`Invalid ${result.target}: ${Object.keys(fields).join(', ')}.`, fields);
      }
    },
  });
}
