// Builds the Hono app: middleware order, resource mounts, the OpenAPI document,
// and the one error renderer.
import { HTTPException } from 'hono/http-exception';
import { ConfigError } from './config';
import { isInvalidTextError } from './db/errors';
import { ApiError, invalid, notFound, renderError } from './errors';
import { log } from './lib/log';
import { bearer, refuseBadToken } from './middleware/auth';
import { limitBodies } from './middleware/body-limit';
import { requestContext } from './middleware/context';
import { dispatchEventsAfterWrite } from './middleware/dispatch-events';
import { edgeCachePolicy } from './middleware/edge-cache';
import { rateLimit } from './middleware/rate-limit';
import { readOnlyMode } from './middleware/read-only';
import { surfaceNonErrors } from './middleware/thrown-values';
import { createRouter } from './router';
import { adminRoutes } from './routes/admin';
import { authRoutes } from './routes/auth';
import { deprecationRoutes } from './routes/deprecation';
import { discoveryRoutes } from './routes/discovery';
import { healthRoutes } from './routes/health';
import { invitationRoutes } from './routes/invitations';
import { packageRoutes } from './routes/packages';
import { adminReportRoutes } from './routes/reports';
import { indexRoutes } from './routes/resolution-index';
import { trustedPublisherRoutes, trustedTokenRoutes } from './routes/trusted-publishing';
import { userRoutes } from './routes/users';
import { webhookRoutes } from './routes/webhooks';
import { accountRoutes } from './web/account-routes';
import { docsPage } from './web/docs';
import { reportPageRoutes } from './web/report-routes';
import { renderNotFound, webRoutes } from './web/routes';
import { packageSettingsRoutes } from './web/settings-routes';

/**
 * The JSON API's resource routers, in routing order, chained so their types
 * reach typed clients (test/helpers/api.ts uses this very chain).
 */
export function apiRoutes() {
  return (
    createRouter()
      .route('/auth', authRoutes)
      .route('/admin', adminRoutes)
      .route('/admin', adminReportRoutes)
      // The invitee's side of package invitations (/users/me/invitations...).
      .route('/users', invitationRoutes)
      .route('/users', userRoutes)
      // Before /packages: `trending` and `categories` must not be read as package names.
      .route('/', discoveryRoutes)
      .route('/trusted-publishing', trustedTokenRoutes)
      .route('/index', indexRoutes)
      // Before packageRoutes: `deprecate`, `webhooks` and `trusted-publish…` must not be read as versions
      // (DELETE /packages/:name/deprecate would otherwise be a yank).
      .route('/packages', deprecationRoutes)
      .route('/packages', webhookRoutes)
      .route('/packages', trustedPublisherRoutes)
      .route('/packages', packageRoutes)
  );
}

export function createApp() {
  const app = createRouter();

  // In order: the request's config and database; the edge-cache policy outside
  // everything else, so it also sees errors and 429s as rendered; thrown
  // non-errors surfaced; and, before every route (API and website alike),
  // read-only mode, so that in maintenance no write starts.
  app.use('*', requestContext, edgeCachePolicy, surfaceNonErrors, readOnlyMode);
  app.route('/health', healthRoutes);

  const api = createRouter();
  // Who is calling, their rate limit, a bad token refused, then the body cap.
  api.use('*', bearer, rateLimit, refuseBadToken, limitBodies);
  // Webhook events a successful write recorded are dispatched after the response.
  api.use('/packages/*', dispatchEventsAfterWrite);
  api.route('/', apiRoutes());
  app.route('/api/v1', api);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A registry token (`rvn_…`) from login, register or POST /users/me/tokens.',
  });
  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Raven registry API',
      version: '1.0.0',
      description: 'The package registry behind `raven pkg`. All routes live under /api/v1.',
    },
  });
  // The API reference, in the site's frame and under its CSP (viewer served from our own assets).
  app.get('/docs', docsPage);
  // The website: the account half first (its /packages/:name/settings paths
  // must not be read as versions), then every path the API, /health and /docs do not claim.
  app.route('/', accountRoutes);
  app.route('/', reportPageRoutes);
  app.route('/', packageSettingsRoutes);
  app.route('/', webRoutes);

  // API clients get the contract's JSON 404; browsers anywhere else get the site's page.
  app.notFound((c) =>
    /^\/(api|health)(\/|$)/.test(c.req.path)
      ? renderError(c, notFound('No such route.'), c.get('requestId') ?? 'unknown')
      : renderNotFound(c),
  );
  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    if (err instanceof ApiError) return renderError(c, err, requestId);
    // Postgres text cannot hold NUL or invalid UTF-8: whatever route let such a
    // string through, the client sent bad input, not us.
    if (isInvalidTextError(err)) {
      return renderError(c, invalid('Text fields must be valid UTF-8 without NUL characters.'), requestId);
    }
    // Hono's own body parsing failures (malformed JSON, bad content type) are client errors.
    if (err instanceof HTTPException && err.status < 500) {
      const code = err.status === 413 ? 'payload_too_large' : err.status === 404 ? 'not_found' : 'invalid_request';
      return renderError(c, new ApiError(code, err.message || 'The request could not be read.'), requestId);
    }
    // Already logged once per isolate by src/config.ts; a line per request would bury it.
    if (err instanceof ConfigError) return renderError(c, err, requestId);
    log.error('unhandled', err, { request_id: requestId });
    return renderError(c, err, requestId);
  });
  return app;
}

/** @public The app's route types, for typed clients. */
export type App = ReturnType<typeof createApp>;
