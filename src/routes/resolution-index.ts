// The resolution index for install tools: /index/config.json says where
// tarballs and the API live; /index/:name is the package's version history as
// NDJSON. Both are public, edge-cached and revalidated by ETag like the
// package reply; writes to a package purge its `pkg:<name>` tag.
import { z } from '@hono/zod-openapi';
import { notFound, takenDown } from '../errors';
import { INDEX_CONFIG_TAG, packageTag, publicReply } from '../lib/edge-cache';
import { limited } from '../middleware/route-limits';
import { createRouter } from '../router';
import { errorResponses, jsonResponse } from '../schemas/common';
import { NameParam } from '../schemas/packages';
import { findIndexRows, indexLines, toNdjson } from '../services/resolution-index';
import { routesTagged } from './define';

const index = routesTagged('index');

const IndexConfig = z
  .object({
    dl: z.string().openapi({ example: 'https://registry.example/api/v1/packages/{name}/{version}/download' }),
    api: z.string().openapi({ example: 'https://registry.example/api/v1' }),
  })
  .openapi('IndexConfig');

const configRoute = index.get('/config.json', {
  summary: 'Where tarballs and the API live: `dl` is a template with {name} and {version}',
  ...limited({ rate: 'install' }),
  responses: {
    200: jsonResponse('Index configuration', IndexConfig),
    304: { description: 'Not modified (If-None-Match matched the ETag)' },
  },
});

const packageRoute = index.get('/{name}', {
  summary: "A package's versions for resolvers: one JSON object per line, in publish order (yanked ones marked)",
  ...limited({ rate: 'install' }),
  request: { params: NameParam },
  responses: {
    200: {
      description:
        'NDJSON lines {name, vers, deps[{name, req, kind, optional, features, default_features, package}], cksum, yanked, deprecated, published_at, v:1}',
      content: { 'application/x-ndjson': { schema: { type: 'string' } } },
    },
    304: { description: 'Not modified (If-None-Match matched the ETag)' },
    ...errorResponses(404, 451),
  },
});

export const indexRoutes = createRouter()
  .openapi(configRoute, async (c) => {
    const api = `${new URL(c.req.url).origin}/api/v1`;
    const body = JSON.stringify({ dl: `${api}/packages/{name}/{version}/download`, api });
    return publicReply(body, [INDEX_CONFIG_TAG], c.req.header('if-none-match'));
  })
  .openapi(packageRoute, async (c) => {
    const name = c.req.valid('param').name;
    const rows = await findIndexRows(c.var.db.query, name);
    const first = rows[0];
    if (!first) throw notFound(`No package named "${name}".`);
    if (first.taken_down) throw takenDown(`"${name}"`, first.taken_down);
    return publicReply(toNdjson(indexLines(rows)), [packageTag(name)], c.req.header('if-none-match'), NDJSON);
  });

const NDJSON = 'application/x-ndjson; charset=utf-8';
