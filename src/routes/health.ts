import { z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { createRouter } from '../router';
import { jsonResponse } from '../schemas/common';
import { routesTagged } from './define';

const health = routesTagged('health');

const Check = z.enum(['ok', 'failed']);
const ReadyReply = z
  .object({ status: z.enum(['ok', 'failed']), checks: z.object({ database: Check, storage: Check }) })
  .openapi('Readiness');

const liveRoute = health.get('/', {
  summary: 'Liveness: answers OK and touches nothing',
  responses: { 200: { description: 'Alive', content: { 'text/plain': { schema: z.literal('OK') } } } },
});

const readyRoute = health.get('/ready', {
  summary: 'Readiness: Postgres and R2 answer',
  responses: { 200: jsonResponse('Ready', ReadyReply), 503: jsonResponse('A dependency failed', ReadyReply) },
});

const probe = (work: () => Promise<unknown>) =>
  work().then(
    () => 'ok' as const,
    () => 'failed' as const,
  );

export const healthRoutes = createRouter()
  .openapi(liveRoute, (c) => c.text('OK', 200))
  .openapi(readyRoute, async (c) => {
    const [database, storage] = await Promise.all([
      probe(() => c.var.db.query.execute(sql`select 1`)),
      probe(() => c.env.TARBALLS.head('health/probe')),
    ]);
    const ok = database === 'ok' && storage === 'ok';
    return c.json(
      { status: ok ? ('ok' as const) : ('failed' as const), checks: { database, storage } },
      ok ? 200 : 503,
    );
  });
