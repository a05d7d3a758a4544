// Deletion by owners: POST /packages/:name/delete. `DELETE /packages/:name/:version`
// stays the yank the CLI knows; deleting is a separate, deliberate request.
import { forbidden } from '../errors';
import { packageTag, purgeTags, versionTag } from '../lib/edge-cache';
import { log } from '../lib/log';
import { isSessionKind } from '../lib/token-rules';
import { authed, currentUser } from '../middleware/auth';
import { createRouter } from '../router';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import { DeleteBody, DeletedReply } from '../schemas/deletion';
import { NameParam } from '../schemas/packages';
import { deletePackage, deleteVersion, removeBlobs } from '../services/deletion';
import { enqueueDeliveries } from '../services/events';
import { forgetCachedTarball } from '../services/tarball-download';
import { routesTagged } from './define';

const packages = routesTagged('packages');

const deleteRoute = packages.post('/{name}/delete', {
  summary: 'Delete a version, or the whole package (owners, under the deletion policy)',
  description:
    'Owners only, with a session token (login or web sign-in): deleting cannot be undone, so API tokens, ' +
    'whatever their scopes, are refused. Allowed while the version (for a package: its oldest version) is under ' +
    '72 hours old; after that only when the package has a single owner, fewer than 300 downloads in the last ' +
    '7 days and no other package depending on it. A refusal under that policy is a 403 whose `details.failed` ' +
    'lists the failed conditions (`single_owner`, `weekly_downloads`, `dependents`). Deleting the only version ' +
    'is a 409 (delete the package), and so is deleting what has an open report (until operators close it). A deleted version number can never be published again; a deleted ' +
    "package's name is reserved for 7 days. Fires `version.deleted` or `package.deleted` to webhooks.",
  ...authed,
  request: { params: NameParam, body: jsonBody(DeleteBody) },
  responses: {
    200: jsonResponse('Deleted', DeletedReply),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const deleteRoutes = createRouter().openapi(deleteRoute, async (c) => {
  const auth = currentUser(c);
  const { name } = c.req.valid('param');
  const { version } = c.req.valid('json');
  if (!isSessionKind(auth.tokenKind)) {
    throw forbidden('Deleting needs a session token (from login or a web sign-in); API tokens cannot delete.');
  }
  const deleted =
    version === undefined
      ? await deletePackage(c.var.db, auth, name)
      : await deleteVersion(c.var.db, auth, name, version);

  // Committed: now what lives outside Postgres.
  const tags = [packageTag(name), ...deleted.versions.map((v) => versionTag(name, v))];
  await purgeTags(c.executionCtx, tags);
  const origin = new URL(c.req.url).origin;
  await Promise.all(
    deleted.versions.map((v) =>
      forgetCachedTarball(origin, name, v).catch((err: unknown) => log.error('edge cache delete failed', err)),
    ),
  );
  try {
    // A failed send leaves the deliveries pending: the sweeper sends stale ones again.
    if (deleted.deliveryIds.length > 0) await enqueueDeliveries(c.env.WEBHOOK_QUEUE, deleted.deliveryIds);
    await removeBlobs(c.var.db, c.env.TARBALLS, deleted.r2Keys);
  } catch (err) {
    // The deletion stands; an unremoved blob is unreachable (no version points at it) and only costs storage.
    log.error('cleanup after a deletion failed', err, { keys: deleted.r2Keys });
  }
  return c.json({ name, ...(version === undefined ? {} : { version }), deleted: true as const }, 200);
});
