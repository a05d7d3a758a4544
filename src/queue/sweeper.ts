// The cron sweeper: the outbox's safety net. Events whose request died
// between the database commit and dispatch are dispatched here, and pending
// deliveries the queue never received (or lost) are sent to it again. Once an
// hour it also forgets finished history older than HISTORY_DAYS. Every run it
// forgets the trusted-publishing ID token ids that have expired.
import { loadConfig } from '../config';
import { createDatabase } from '../db/client';
import { pruneHistory, takeStaleDeliveries } from '../services/deliveries';
import { dispatchEvents, enqueueDeliveries } from '../services/events';
import { pruneUsedJtis } from '../services/trusted-publishing';

export interface SweepResult {
  dispatched: number;
  resent: number;
  pruned: number;
}

/** Dispatch batches are bounded; a backlog drains over several passes within one run. */
const MAX_PASSES = 10;

export async function sweepWebhookOutbox(env: Env, scheduledTime = Date.now()): Promise<SweepResult> {
  const config = loadConfig(env);
  const db = createDatabase(config.DATABASE_URL, config.WS_PROXY, {
    httpReads: config.DB_HTTP_READS,
    httpEndpoint: config.NEON_HTTP_ENDPOINT,
  });
  try {
    let dispatched = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const { events, deliveries } = await dispatchEvents(
        db.read,
        env.WEBHOOK_QUEUE,
        { all: true },
        config.WEBHOOK_EVENTS_PER_PACKAGE_PER_HOUR,
      );
      dispatched += deliveries;
      if (events === 0) break;
    }
    const stale = await takeStaleDeliveries(db.read);
    await enqueueDeliveries(env.WEBHOOK_QUEUE, stale);
    // The sweep runs every minute; history is pruned on the hour's run only.
    const pruned = new Date(scheduledTime).getUTCMinutes() === 0 ? await pruneHistory(db.read) : 0;
    // Exchanged OIDC token ids are only needed until those ID tokens expire (minutes).
    await pruneUsedJtis(db.read);
    const result = { dispatched, resent: stale.length, pruned };
    if (dispatched + stale.length + pruned > 0) {
      console.log(JSON.stringify({ level: 'info', msg: 'webhook outbox swept', ...result }));
    }
    return result;
  } finally {
    await db.close();
  }
}
