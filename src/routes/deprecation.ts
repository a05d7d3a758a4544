// Deprecate / undeprecate a package (owners only; a token with scopes needs
// `owners`). Mounted before the package routes: `DELETE /{name}/deprecate`
// would otherwise be taken for a yank of version "deprecate".
import { forbidden } from '../errors';
import { packageTag, purgeTags } from '../lib/edge-cache';
import { authed, currentUser } from '../middleware/auth';
import { createRouter } from '../router';
import { errorResponses, jsonBody, jsonResponse } from '../schemas/common';
import { DeprecateBody, DeprecatedReply, UndeprecatedReply } from '../schemas/deprecation';
import { NameParam } from '../schemas/packages';
import { setDeprecation } from '../services/deprecation';
import { tokenAllows } from '../services/tokens';
import { routesTagged } from './define';

const packages = routesTagged('packages', authed);

const deprecateRoute = packages.put('/{name}/deprecate', {
  summary: 'Deprecate a package with a message (owners only); it stays installable',
  request: { params: NameParam, body: jsonBody(DeprecateBody) },
  responses: { 200: jsonResponse('Deprecated', DeprecatedReply), ...errorResponses(400, 401, 403, 404) },
});

const undeprecateRoute = packages.delete('/{name}/deprecate', {
  summary: 'Undo a deprecation (owners only)',
  request: { params: NameParam },
  responses: { 200: jsonResponse('Undeprecated', UndeprecatedReply), ...errorResponses(401, 403, 404) },
});

export const deprecationRoutes = createRouter()
  .openapi(deprecateRoute, async (c) => {
    const caller = currentUser(c);
    const name = c.req.valid('param').name;
    if (!tokenAllows(caller, 'owners', name)) throw forbidden(`This token may not deprecate "${name}".`);
    const { message } = c.req.valid('json');
    const now = await setDeprecation(c.var.db, caller, name, message);
    // The package reply and every index line say whether it is deprecated.
    await purgeTags(c.executionCtx, [packageTag(name)]);
    const deprecatedAt = (now?.deprecatedAt ?? new Date()).toISOString();
    return c.json({ name, deprecated: true as const, message, deprecated_at: deprecatedAt }, 200);
  })
  .openapi(undeprecateRoute, async (c) => {
    const caller = currentUser(c);
    const name = c.req.valid('param').name;
    if (!tokenAllows(caller, 'owners', name)) throw forbidden(`This token may not undeprecate "${name}".`);
    await setDeprecation(c.var.db, caller, name, null);
    await purgeTags(c.executionCtx, [packageTag(name)]);
    return c.json({ name, deprecated: false as const }, 200);
  });
