// Package and version pages, tarball downloads, yank and unyank.
import { forbidden, notFound, takenDown } from '../errors';
import { packageTag, publicReply, purgeTags, versionTag } from '../lib/edge-cache';
import { authed, currentUser } from '../middleware/auth';
import { limited } from '../middleware/route-limits';
import { createRouter } from '../router';
import { errorResponses, jsonResponse } from '../schemas/common';
import * as schema from '../schemas/packages';
import { findPackage, findVersion, setYanked } from '../services/packages';
import { serveTarball } from '../services/tarball-download';
import { tokenAllows } from '../services/tokens';
import { routesTagged } from './define';
import { packageView, versionView } from './packages-views';

const packages = routesTagged('packages');
const authedPackages = routesTagged('packages', authed);

const packageRoute = packages.get('/{name}', {
  summary: 'A package: metadata, versions (ascending semver), owner, downloads',
  ...limited({ rate: 'install' }),
  request: { params: schema.NameParam },
  responses: {
    200: jsonResponse('Package (edge-cached, tagged pkg:<name>, strong ETag)', schema.PackageReply),
    304: { description: 'Not modified (If-None-Match matched the ETag)' },
    ...errorResponses(404, 451),
  },
});

const versionRoute = packages.get('/{name}/{version}', {
  summary: 'One version (yanked versions are still described)',
  ...limited({ rate: 'install' }),
  request: { params: schema.NameVersionParam },
  responses: {
    200: jsonResponse(
      'Version (edge-cached, tagged pkg:<name> and pkg:<name>@<version>, strong ETag)',
      schema.VersionReply,
    ),
    304: { description: 'Not modified (If-None-Match matched the ETag)' },
    ...errorResponses(404, 451),
  },
});

const downloadRoute = packages.get('/{name}/{version}/download', {
  summary: 'The tarball, byte for byte (edge-cached, immutable, counted)',
  // Never limited: installs fetch many tarballs at once, and they are served from the edge cache.
  ...limited({ rate: 'none' }),
  // Validated before the cache lookup and the count: see DownloadParam (schemas/packages).
  request: { params: schema.DownloadParam },
  responses: {
    200: {
      description: 'The tarball',
      content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
    },
    304: { description: 'Not modified (If-None-Match matched the checksum)' },
    ...errorResponses(400, 404, 451),
  },
});

const yankRoute = authedPackages.delete('/{name}/{version}', {
  summary: 'Yank a version (owner or maintainer; it stays downloadable)',
  request: { params: schema.NameVersionParam },
  responses: { 200: jsonResponse('Yanked', schema.YankReply), ...errorResponses(401, 403, 404) },
});

const unyankRoute = authedPackages.put('/{name}/{version}/unyank', {
  summary: 'Undo a yank (owner or maintainer)',
  request: { params: schema.NameVersionParam },
  responses: { 200: jsonResponse('Unyanked', schema.UnyankReply), ...errorResponses(401, 403, 404) },
});

export const readRoutes = createRouter()
  .openapi(packageRoute, async (c) => {
    const name = c.req.valid('param').name;
    const row = await findPackage(c.var.db.query, name);
    if (!row) throw notFound(`No package named "${name}".`);
    if (row.taken_down) throw takenDown(`"${name}"`, row.taken_down);
    const body = JSON.stringify(packageView(row));
    return publicReply(body, [packageTag(name)], c.req.header('if-none-match'));
  })
  .openapi(versionRoute, async (c) => {
    const { name, version } = c.req.valid('param');
    const row = await findVersion(c.var.db.query, name, version);
    if (!row) throw notFound(`No version "${version}" of "${name}".`);
    if (row.taken_down) throw takenDown(`${name} ${version}`, row.taken_down);
    const body = JSON.stringify(versionView(row, c.req.url));
    return publicReply(body, [packageTag(name), versionTag(name, row.version)], c.req.header('if-none-match'));
  })
  .openapi(downloadRoute, async (c) => {
    const { name, version } = c.req.valid('param');
    return serveTarball(
      { env: c.env, ctx: c.executionCtx, db: c.var.db },
      {
        name,
        version,
        origin: new URL(c.req.url).origin,
        method: c.req.method,
        ifNoneMatch: c.req.header('if-none-match'),
      },
    );
  })
  .openapi(yankRoute, async (c) => {
    const auth = currentUser(c);
    const { name, version } = c.req.valid('param');
    if (!tokenAllows(auth, 'yank', name)) throw forbidden(`This token may not yank versions of "${name}".`);
    const { yankedAt } = await setYanked(c.var.db, auth, name, version, true);
    await purgeTags(c.executionCtx, [packageTag(name), versionTag(name, version)]);
    return c.json({ name, version, yanked: true as const, yanked_at: (yankedAt ?? new Date()).toISOString() }, 200);
  })
  .openapi(unyankRoute, async (c) => {
    const auth = currentUser(c);
    const { name, version } = c.req.valid('param');
    if (!tokenAllows(auth, 'yank', name)) throw forbidden(`This token may not unyank versions of "${name}".`);
    await setYanked(c.var.db, auth, name, version, false);
    await purgeTags(c.executionCtx, [packageTag(name), versionTag(name, version)]);
    return c.json({ name, version, yanked: false as const }, 200);
  });
