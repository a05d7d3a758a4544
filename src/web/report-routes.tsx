// Reports in the browser: the "Report" form of a package page (signed in) and
// the operators' page of open reports with close and takedown forms. Every
// POST calls the service function its API route calls, after guards.tsx's
// Origin and CSRF checks; operators are checked as the API checks them.
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { ApiError, forbidden } from '../errors';
import { packageTag, purgeTags, versionTag } from '../lib/edge-cache';
import { isSessionKind } from '../lib/token-rules';
import { limitReports } from '../middleware/rate-limit';
import { TakedownBody } from '../schemas/admin';
import { NameParam } from '../schemas/packages';
import { CloseReportBody, ReportBody } from '../schemas/reports';
import { isOperator } from '../services/operators';
import { findPackage } from '../services/packages';
import { closeReport, fileReport, getReport, listReports } from '../services/reports';
import { setTakedown } from '../services/takedowns';
import { forgetCachedTarball } from '../services/tarball-download';
import { pageError } from './account-routes';
import { serviceErrors, zodErrors } from './forms';
import { formOf, friendly, me, noticeOf, pageParams, sessionForm, signedIn, text, viewerOf } from './guards';
import { NotFoundPage } from './pages/errors';
import { OperatorReportsPage, ReportFiledPage, ReportPage } from './pages/reports';
import { sendPage } from './respond';
import { webSession } from './session';

type Ctx = Context<AppEnv, any, any>;

export const reportPageRoutes = new Hono<AppEnv>();
for (const path of ['/packages/:name/report', '/admin/reports', '/admin/reports/*']) {
  reportPageRoutes.use(path, webSession);
}
reportPageRoutes.onError(pageError);

const packageParams = pageParams(NameParam, 'package');

/** The versions a report may name, or null when there is no such package. */
async function versionsOf(c: Ctx, name: string): Promise<string[] | null> {
  const pkg = await findPackage(c.var.db.query, name);
  return pkg ? pkg.versions.map((v) => v.version) : null;
}

reportPageRoutes.get('/packages/:name/report', signedIn, packageParams, async (c) => {
  const { name } = c.req.valid('param');
  const versions = await versionsOf(c, name);
  if (!versions) return sendPage(c, <NotFoundPage message={`No package named "${name}".`} />, 'no-store', 404);
  const version = c.req.query('version');
  const values = { version: version && versions.includes(version) ? version : '' };
  return sendPage(
    c,
    <ReportPage viewer={await viewerOf(c)} name={name} versions={versions} values={values} />,
    'no-store',
  );
});

reportPageRoutes.post('/packages/:name/report', sessionForm, packageParams, async (c) => {
  const { name } = c.req.valid('param');
  const form = await formOf(c);
  const values = { version: text(form, 'version'), kind: text(form, 'kind'), text: text(form, 'text') };
  const viewer = await viewerOf(c);
  const again = async (errors: Record<string, string>, error?: string, status: 400 | 404 | 429 = 400) =>
    sendPage(
      c,
      <ReportPage
        viewer={viewer}
        name={name}
        versions={(await versionsOf(c, name)) ?? []}
        {...{ values, errors, error }}
      />,
      'no-store',
      status,
    );
  const parsed = ReportBody.safeParse({ ...values, version: values.version || undefined });
  if (!parsed.success) {
    return again(
      friendly(zodErrors(parsed.error), {
        kind: 'Choose what is wrong.',
        text: 'Describe the problem in 1 to 5000 characters.',
      }),
    );
  }
  const auth = me(c);
  try {
    await limitReports(c, auth.userId);
    await fileReport(c.var.db.query, auth, name, parsed.data);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500) throw err;
    for (const [header, value] of Object.entries(err.headers ?? {})) c.header(header, value);
    return again({}, serviceErrors(err).form, err.status as 404 | 429);
  }
  return sendPage(c, <ReportFiledPage viewer={viewer} name={name} />, 'no-store', 201);
});

/** Operators only, as the API has it: named in ADMIN_USERNAMES, signed in (a session). */
function operator(c: Ctx) {
  const auth = me(c);
  if (!isOperator(c.env.ADMIN_USERNAMES, auth.username) || !isSessionKind(auth.tokenKind)) {
    throw forbidden('Only registry operators can do this.');
  }
  return auth;
}

const NOTICES = { closed: 'The report was closed.', taken_down: 'Taken down. The report is still open: close it.' };

reportPageRoutes.get('/admin/reports', signedIn, async (c) => {
  operator(c);
  const reports = await listReports(c.var.db.query, 'open', { limit: 200, offset: 0 });
  const notice = noticeOf(c, NOTICES);
  return sendPage(c, <OperatorReportsPage viewer={await viewerOf(c)} reports={reports} notice={notice} />, 'no-store');
});

reportPageRoutes.post('/admin/reports/:id/close', sessionForm, async (c) => {
  const auth = operator(c);
  const parsed = CloseReportBody.safeParse({ resolution: text(await formOf(c), 'resolution') });
  if (!parsed.success) throw new ApiError('invalid_request', 'Write a resolution (up to 2000 characters).');
  await closeReport(c.var.db, auth, c.req.param('id'), parsed.data.resolution);
  return c.redirect('/admin/reports?done=closed', 303);
});

// The takedown of what a report names (the version, or the whole package), as POST /admin/packages/:name/takedown does it.
reportPageRoutes.post('/admin/reports/:id/takedown', sessionForm, async (c) => {
  const auth = operator(c);
  const parsed = TakedownBody.safeParse({ reason: text(await formOf(c), 'reason') });
  if (!parsed.success) throw new ApiError('invalid_request', 'Say why, in up to 1000 characters of plain text.');
  const { reason } = parsed.data;
  const report = await getReport(c.var.db.query, c.req.param('id'));
  const target = {
    name: report.package,
    ...(report.version ? { version: report.version } : {}),
    reportedAt: report.created_at,
  };
  const change = await setTakedown(c.var.db, auth, target, { down: true, reason });
  const tags = [packageTag(change.name), ...(change.version ? [versionTag(change.name, change.version)] : [])];
  await purgeTags(c.executionCtx, tags);
  const origin = new URL(c.req.url).origin;
  await Promise.all(change.versions.map((v) => forgetCachedTarball(origin, change.name, v)));
  return c.redirect('/admin/reports?done=taken_down', 303);
});
