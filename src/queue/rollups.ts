// The cron's upkeep of what reads rely on to stay independent of the
// registry's size: roll the last two days' downloads up per package, count the
// downloads flushed since the last run into the `downloads` counter and the
// downloads ordering, fold the counters' new deltas
// into one row per key (src/services/counters.ts), re-rank trending once
// its ranking is older than TRENDING_REFRESH_SECONDS (src/services/trending.ts),
// and re-rank search's popular documents (src/services/search.ts).
// One statement each, on its own connection; safe to run twice at once.
import { loadConfig } from '../config';
import { databaseFor } from '../db/client';
import { log } from '../lib/log';
import { compactCounters, rollupRecentDownloads, settleDownloads } from '../services/counters';
import { refreshSearchPopular } from '../services/search';
import { refreshTrending } from '../services/trending';

export interface RollupResult {
  downloadsSettled: number;
  countersFolded: number;
  trendingRanked: string[];
}

export async function refreshRollups(env: Env): Promise<RollupResult> {
  const db = databaseFor(loadConfig(env));
  try {
    await rollupRecentDownloads(db.query);
    const downloadsSettled = await settleDownloads(db.query);
    const countersFolded = await compactCounters(db.query);
    const trendingRanked = await refreshTrending(db.query);
    await refreshSearchPopular(db.query);
    const result = { downloadsSettled, countersFolded, trendingRanked };
    if (downloadsSettled > 0 || countersFolded > 0 || trendingRanked.length > 0)
      log.info('rollups refreshed', { ...result });
    return result;
  } finally {
    await db.close();
  }
}
