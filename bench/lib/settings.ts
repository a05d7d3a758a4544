// What every bench run shares: the load's length and width, the fixtures, and
// rate limits high enough that a bench measures routes, not the limiter's refusals.
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/stack.ts';

export const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'ravensone-packages');
/** Every bucket but the install path's, which `npm run bench` keeps at its default on purpose. */
export const UNLIMITED = {
  RATE_LIMIT_ANON_PER_HOUR: '100000000',
  RATE_LIMIT_AUTH_PER_HOUR: '100000000',
  RATE_LIMIT_SEARCH_PER_HOUR: '100000000',
  RATE_LIMIT_LOGIN_PER_HOUR: '100000000',
  RATE_LIMIT_NEW_PACKAGES_PER_HOUR: '100000000',
};
