// The cron sweeper, every minute. Three jobs, each with its own connection so
// one failing does not stop the others (the third, the counters' folding and
// trending's ranking, is src/queue/rollups.ts):
//   - the webhook outbox's safety net: events whose request died between the
//     database commit and dispatch are dispatched here, and pending deliveries
//     the queue never received (or lost) are sent to it again; once an hour it
//     also forgets finished history older than HISTORY_DAYS; webhooks of
//     deleted packages go once their last deliveries are final;
//   - upkeep: blobs of publishes that failed after their upload
//     (src/services/uploads.ts), applied download flush ids past their
//     retention (src/services/downloads.ts), and a small batch of READMEs
//     published before rendering existed (src/services/readme-backfill.ts),
//     and trusted-publishing ID token ids past their expiry.
//     All are bounded batches on indexed columns, so a run costs the same
//     however large the registry is.
import { loadConfig } from '../config';
import { databaseFor } from '../db/client';
import { packageTag, purgeTags } from '../lib/edge-cache';
import { log } from '../lib/log';
import { pruneHistory, pruneOrphanWebhooks, takeStaleDeliveries } from '../services/deliveries';
import { pruneFlushes } from '../services/downloads';
import { dispatchEvents, enqueueDeliveries } from '../services/events';
import { backfillReadmes } from '../services/readme-backfill';
import { pruneUsedJtis } from '../services/trusted-publishing';
import { sweepOrphanBlobs } from '../services/uploads';
import { refreshRollups } from './rollups';

export interface SweepResult {
  dispatched: number;
  resent: number;
  pruned: number;
}

interface StorageSweepResult {
  orphanBlobs: number;
  flushesPruned: number;
  readmesRendered: number;
}

/** Dispatch batches are bounded; a backlog drains over several passes within one run. */
const MAX_PASSES = 10;

/** The scheduled handler: every job; the first failure is rethrown once all have run. */
export async function sweep(env: Env, ctx: object, scheduledTime = Date.now()): Promise<void> {
  const results = await Promise.allSettled([
    sweepWebhookOutbox(env, scheduledTime),
    sweepStorage(env, ctx),
    refreshRollups(env),
  ]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

export async function sweepWebhookOutbox(env: Env, scheduledTime = Date.now()): Promise<SweepResult> {
  const config = loadConfig(env);
  const db = databaseFor(loadConfig(env));
  try {
    let dispatched = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const { events, deliveries } = await dispatchEvents(
        db.query,
        env.WEBHOOK_QUEUE,
        { all: true },
        config.WEBHOOK_EVENTS_PER_PACKAGE_PER_HOUR,
      );
      dispatched += deliveries;
      if (events === 0) break;
    }
    const stale = await takeStaleDeliveries(db.query);
    await enqueueDeliveries(env.WEBHOOK_QUEUE, stale);
    // The sweep runs every minute; history is pruned on the hour's run only.
    const pruned = new Date(scheduledTime).getUTCMinutes() === 0 ? await pruneHistory(db.query) : 0;
    // Webhooks of deleted packages, once their last deliveries are final.
    await pruneOrphanWebhooks(db.query);
    // Exchanged OIDC token ids are only needed until those ID tokens expire (minutes).
    await pruneUsedJtis(db.query);
    const result = { dispatched, resent: stale.length, pruned };
    if (dispatched + stale.length + pruned > 0) {
      log.info('webhook outbox swept', { ...result });
    }
    return result;
  } finally {
    await db.close();
  }
}

/**
 * Every run, not hourly like webhook history: flush ids arrive at up to one per
 * package every 30 seconds, more than an hourly batch could keep up with.
 */
async function sweepStorage(env: Env, ctx: object): Promise<StorageSweepResult> {
  const db = databaseFor(loadConfig(env));
  try {
    const orphanBlobs = await sweepOrphanBlobs(db, env.TARBALLS);
    const flushesPruned = await pruneFlushes(db.query);
    const rendered = await backfillReadmes(db.query);
    // Pages show the README: the packages whose pages changed leave the edge cache.
    await purgeTags(ctx, [...new Set(rendered)].map(packageTag));
    const readmesRendered = rendered.length;
    const result = { orphanBlobs, flushesPruned, readmesRendered };
    if (orphanBlobs + flushesPruned + readmesRendered > 0) log.info('storage swept', { ...result });
    return result;
  } finally {
    await db.close();
  }
}
