// createRoute for one resource: the OpenAPI tag named once per file, method and
// path on the route's first line, and (optionally) the guard every route of the
// file shares (`authed`, `operatorOnly`) said once instead of on each route.
// Everything else (summary, `...limited(...)`, request, responses) is
// createRoute's own config.
import { createRoute, type RouteConfig } from '@hono/zod-openapi';

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';
type Config = Omit<RouteConfig, 'method' | 'path' | 'tags'>;
type Guard = Pick<RouteConfig, 'security' | 'middleware'>;

export function routesTagged<G extends Guard = Record<never, never>>(tag: string, guard?: G) {
  const at =
    <M extends Method>(method: M) =>
    <P extends string, R extends Config>(path: P, config: R) =>
      createRoute({ ...(guard as G), ...config, method, path, tags: [tag] });
  return { get: at('get'), post: at('post'), put: at('put'), delete: at('delete'), patch: at('patch') };
}
