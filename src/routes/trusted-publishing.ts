// Trusted publishing over HTTP: a package's publishers and its "require
// trusted publishing" switch (owners only, mounted under /packages before the
// package routes), and the token exchange and self-revocation CI jobs use
// (mounted at /trusted-publishing).
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { forbidden } from '../errors';
import { authed, authedOrTrusted, currentUser } from '../middleware/auth';
import { noteRevoked } from '../middleware/rate-limit';
import { createRouter } from '../router';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import { NameParam } from '../schemas/packages';
import * as schema from '../schemas/trusted-publishing';
import { revokeToken, tokenAllows } from '../services/tokens';
import {
  createPublisher,
  deletePublisher,
  exchangeIdToken,
  listPublishers,
  setRequireTrustedPublishing,
} from '../services/trusted-publishing';
import { routesTagged } from './define';

const trustedPublishing = routesTagged('trusted publishing');
const publishers = routesTagged('trusted publishing', authed);

const listRoute = publishers.get('/{name}/trusted-publishers', {
  summary: "A package's trusted publishers and whether it requires trusted publishing (owners only)",
  request: { params: NameParam },
  responses: { 200: jsonResponse('Trusted publishers', schema.PublishersReply), ...errorResponses(401, 403, 404) },
});

const createPublisherRoute = publishers.post('/{name}/trusted-publishers', {
  summary: 'Allow a CI workflow to publish the package (owners only)',
  request: { params: NameParam, body: jsonBody(schema.CreatePublisherBody) },
  responses: { 201: jsonResponse('Created', schema.PublisherReply), ...errorResponses(400, 401, 403, 404, 409) },
});

const deletePublisherRoute = publishers.delete('/{name}/trusted-publishers/{id}', {
  summary: 'Remove a trusted publisher (owners only)',
  request: { params: schema.PublisherParam },
  responses: { 200: jsonResponse('Deleted', schema.PublisherDeletedReply), ...errorResponses(401, 403, 404) },
});

const settingsRoute = publishers.put('/{name}/trusted-publishing', {
  summary: 'Require trusted publishing: other tokens can no longer publish the package (owners only)',
  request: { params: NameParam, body: jsonBody(schema.TrustedSettingsBody) },
  responses: {
    200: jsonResponse('Settings', schema.TrustedSettingsReply),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const exchangeRoute = trustedPublishing.post('/tokens', {
  summary: "Exchange a CI job's OIDC ID token for a 30-minute publish token for the packages whose publisher matches",
  request: { body: jsonBody(schema.ExchangeBody) },
  responses: { 201: jsonResponse('Minted', schema.ExchangeReply), ...errorResponses(400, 401, 403, 429, 503) },
});

const revokeRoute = trustedPublishing.delete('/tokens', {
  summary: 'Revoke the trusted-publishing token presented as bearer',
  ...authedOrTrusted,
  responses: { 200: jsonResponse('Revoked', schema.TrustedRevokedReply), ...errorResponses(401, 403) },
});

/** The caller, once their token may manage owners-level settings of `name`. */
function ownerCaller(c: Context<AppEnv>, name: string) {
  const caller = currentUser(c);
  if (!tokenAllows(caller, 'owners', name)) {
    throw forbidden(`This token may not manage the trusted publishing of "${name}".`);
  }
  return caller;
}

export const trustedPublisherRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const name = c.req.valid('param').name;
    return c.json(await listPublishers(c.var.db.query, name, ownerCaller(c, name)), 200);
  })
  .openapi(createPublisherRoute, async (c) => {
    const name = c.req.valid('param').name;
    const created = await createPublisher(c.var.db, ownerCaller(c, name), name, c.req.valid('json'));
    return c.json(created, 201);
  })
  .openapi(deletePublisherRoute, async (c) => {
    const { name, id } = c.req.valid('param');
    await deletePublisher(c.var.db, ownerCaller(c, name), name, id);
    return c.json({ id: id, deleted: true as const }, 200);
  })
  .openapi(settingsRoute, async (c) => {
    const name = c.req.valid('param').name;
    const required = c.req.valid('json').require_trusted_publishing;
    await setRequireTrustedPublishing(c.var.db, ownerCaller(c, name), name, required);
    return c.json({ name, require_trusted_publishing: required }, 200);
  });

export const trustedTokenRoutes = createRouter()
  .openapi(exchangeRoute, async (c) => {
    const config = c.var.config;
    const exchanged = await exchangeIdToken(
      c.var.db,
      {
        policy: {
          issuers: config.TRUSTED_PUBLISHING_ISSUERS,
          audience: config.TRUSTED_PUBLISHING_AUDIENCE || new URL(c.req.url).origin,
          allowLocal: config.TRUSTED_PUBLISHING_ALLOW_LOCAL,
        },
        jwtSecret: config.JWT_SECRET,
      },
      c.req.valid('json').jwt,
    );
    c.header('Cache-Control', 'no-store');
    return c.json(
      { token: exchanged.token, expires_at: exchanged.expiresAt.toISOString(), packages: exchanged.packages },
      201,
    );
  })
  .openapi(revokeRoute, async (c) => {
    const auth = currentUser(c);
    if (auth.tokenKind !== 'trusted') {
      throw forbidden('Only a trusted-publishing token revokes itself here; other tokens use /users/me/tokens.');
    }
    const revoked = await revokeToken(c.var.db.query, auth.userId, auth.tokenId);
    if (revoked) await noteRevoked(c, auth.userId, revoked);
    return c.json({ revoked: true as const }, 200);
  });
