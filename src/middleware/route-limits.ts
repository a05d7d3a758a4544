// Each route declares its rate-limit rule and body cap next to its createRoute
// (`...limited({ rate: 'install' })`), instead of a path regex elsewhere having
// to know about it. The declaration is a do-nothing middleware carrying the
// values; the global rateLimit and limitBodies middleware find it among the
// routes Hono matched for the request and act on it before any route
// middleware, validator (which reads the body) or handler runs. A route that
// declares nothing, and any unmatched path, gets the defaults. (The API's
// routers keep the app's one onError: a router with its own would make Hono
// wrap each handler, hiding the declaration; test/integration/route-limits.test.ts
// would catch that.)
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { RateRule } from '../lib/rate-limit-rules';

/** small - 64 KiB, checked before the body is read; streamed - the handler caps the body while reading it (publish). */
type BodyCap = 'small' | 'streamed';

export interface RouteLimits {
  rate: RateRule;
  body: BodyCap;
}

const DEFAULTS: RouteLimits = { rate: 'general', body: 'small' };
const LIMITS = Symbol('route limits');

type Declaration = MiddlewareHandler & { [LIMITS]: RouteLimits };

function declaration(limits: RouteLimits): Declaration {
  const passThrough: MiddlewareHandler = (_c, next) => next();
  return Object.assign(passThrough, { [LIMITS]: limits });
}

/**
 * Spread into a createRoute to declare anything but the defaults. With `auth`
 * (`authed` or `authedOrTrusted`) it keeps that spread's security and middleware.
 */
export function limited(limits: Partial<RouteLimits>): { middleware: [Declaration] };
export function limited<S, M extends MiddlewareHandler>(
  limits: Partial<RouteLimits>,
  auth: { security: S; middleware: [M] },
): { security: S; middleware: [Declaration, M] };
export function limited(limits: Partial<RouteLimits>, auth?: { security: unknown; middleware: [MiddlewareHandler] }) {
  const declared = declaration({ ...DEFAULTS, ...limits });
  return auth ? { security: auth.security, middleware: [declared, ...auth.middleware] } : { middleware: [declared] };
}

/**
 * What the route serving this request declared. The first matched entry that
 * is not an `app.use` middleware (method ALL) is the route that will answer:
 * Hono runs matches in registration order, which is the routing order.
 */
export function routeLimitsOf(c: Context): RouteLimits {
  const routes = matchedRoutes(c);
  const serving = routes.find((r) => r.method !== 'ALL');
  if (!serving) return DEFAULTS;
  for (const r of routes) {
    if (r.method === serving.method && r.path === serving.path && LIMITS in r.handler) {
      return (r.handler as Declaration)[LIMITS];
    }
  }
  return DEFAULTS;
}
