// Reports: any signed-in user files one about a package or version (rate
// limited per user); operators list, read and close them under /admin.
import { authed, currentUser, operatorOnly } from '../middleware/auth';
import { limitReports } from '../middleware/rate-limit';
import { createRouter } from '../router';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import { NameParam } from '../schemas/packages';
import * as schema from '../schemas/reports';
import { closeReport, fileReport, getReport, listReports } from '../services/reports';
import { routesTagged } from './define';

const reporting = routesTagged('reports');

const fileRoute = reporting.post('/{name}/reports', {
  summary: 'Report a package or one of its versions to the operators (signed in; rate limited per user)',
  description:
    'Kinds: `malware`, `spam`, `squatting` (name squatting), `stolen` (stolen code), `other`. Any token of a ' +
    'signed-in user will do. At most RATE_LIMIT_REPORTS_PER_HOUR (default 10) reports per user per hour.',
  ...authed,
  request: { params: NameParam, body: jsonBody(schema.ReportBody) },
  responses: {
    201: jsonResponse('Filed', schema.ReportCreatedReply),
    ...errorResponses(400, 401, 404, 429),
  },
});

export const reportRoutes = createRouter().openapi(fileRoute, async (c) => {
  const auth = currentUser(c);
  await limitReports(c, auth.userId);
  const id = await fileReport(c.var.db.query, auth, c.req.valid('param').name, c.req.valid('json'));
  return c.json({ report_id: id }, 201);
});

const admin = routesTagged('admin', operatorOnly);

const listRoute = admin.get('/reports', {
  summary: 'Reports, oldest first; open ones by default (operators only)',
  request: { query: schema.ReportsQuery },
  responses: { 200: jsonResponse('Reports', schema.ReportsReply), ...errorResponses(400, 401, 403) },
});

const readRoute = admin.get('/reports/{id}', {
  summary: 'One report (operators only)',
  request: { params: schema.ReportParam },
  responses: { 200: jsonResponse('Report', schema.ReportReply), ...errorResponses(401, 403, 404) },
});

const closeRoute = admin.post('/reports/{id}/close', {
  summary: 'Close a report with a resolution (operators only; recorded in the operator audit log)',
  request: { params: schema.ReportParam, body: jsonBody(schema.CloseReportBody) },
  responses: {
    200: jsonResponse('Closed', schema.ReportReply),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const adminReportRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const { status, limit, offset } = c.req.valid('query');
    const reports = await listReports(c.var.db.query, status, { limit, offset });
    return c.json({ reports, limit, offset }, 200);
  })
  .openapi(readRoute, async (c) => c.json(await getReport(c.var.db.query, c.req.valid('param').id), 200))
  .openapi(closeRoute, async (c) => {
    const report = await closeReport(c.var.db, currentUser(c), c.req.valid('param').id, c.req.valid('json').resolution);
    return c.json(report, 200);
  });
