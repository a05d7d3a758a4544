// createRoute for one resource: the OpenAPI tag named once per file, method and
// path on the route's first line. Everything else (summary, `...authed`,
// `...limited(...)`, request, responses) is createRoute's own config.
import { createRoute, type RouteConfig } from '@hono/zod-openapi';

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';
type Config = Omit<RouteConfig, 'method' | 'path' | 'tags'>;

export function routesTagged(tag: string) {
  const at =
    <M extends Method>(method: M) =>
    <P extends string, R extends Config>(path: P, config: R) =>
      createRoute({ ...config, method, path, tags: [tag] });
  return { get: at('get'), post: at('post'), put: at('put'), delete: at('delete'), patch: at('patch') };
}
