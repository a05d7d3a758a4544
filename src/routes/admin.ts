// Operator routes (/admin/...): every one needs an operator's session token
// (operatorOnly) and records what it did in the operator audit log.
import { createRoute } from '@hono/zod-openapi';
import { operatorOnly } from '../middleware/auth';
import { createRouter } from '../router';
import { OperatorAuditReply, PageQuery } from '../schemas/admin';
import { errorResponses, jsonResponse } from '../schemas/common';
import { listOperatorActions } from '../services/operators';

const auditRoute = createRoute({
  method: 'get',
  path: '/audit',
  tags: ['admin'],
  summary: 'The operator audit log, newest first (operators only)',
  ...operatorOnly,
  request: { query: PageQuery },
  responses: { 200: jsonResponse('Operator actions', OperatorAuditReply), ...errorResponses(401, 403) },
});

export const adminRoutes = createRouter().openapi(auditRoute, async (c) => {
  const page = c.req.valid('query');
  const entries = await listOperatorActions(c.var.db.query, page);
  return c.json({ entries, limit: page.limit, offset: page.offset }, 200);
});
