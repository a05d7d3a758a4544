// Blobs a failed publish left behind. R2 keys are content addresses, so a
// publish uploads before its transaction and a failure there leaves a blob no
// version references. Listing the bucket to find them would cost more as the
// registry grows, so each upload leaves an intent row first (its key, renewed
// by every upload of the same bytes) that the version's transaction removes;
// the sweeper looks only at intents older than an hour.
//
// The race to rule out: a blob deleted while a publish of the same bytes
// re-uses it. The sweeper locks the intents it takes (FOR UPDATE SKIP LOCKED)
// and keeps the locks until the blobs are gone, so a publish renewing the
// intent waits and uploads afterwards; and the version's transaction checks it
// still held an intent (or that a committed version shares the key) before it
// records the key.
import { eq, inArray, sql } from 'drizzle-orm';
import type { Database, Queryable, Tx } from '../db/client';
import { uploadIntents } from '../db/schema';
import { ApiError } from '../errors';

/** How long an upload may take to be recorded before its blob counts as orphaned. */
export const ORPHAN_AFTER_MINUTES = 60;

/** Intents examined per sweep: one R2 batch delete (the limit is 1000 keys). */
const SWEEP_BATCH = 500;

/** Before the upload: claims (or renews) the key for this publish. */
export async function recordUploadIntent(db: Queryable, r2Key: string): Promise<void> {
  await db
    .insert(uploadIntents)
    .values({ r2Key })
    .onConflictDoUpdate({ target: uploadIntents.r2Key, set: { createdAt: sql`now()` } });
}

/**
 * In the version's transaction, before the key is recorded: clears the intent.
 * No intent left means another publish of the same bytes cleared it (then its
 * committed version references the key) or the sweeper took it after an
 * hour-long stall (then the blob may be gone: refuse, the retry uploads again).
 */
export async function settleUploadIntent(tx: Tx, r2Key: string): Promise<void> {
  const cleared = await tx
    .delete(uploadIntents)
    .where(eq(uploadIntents.r2Key, r2Key))
    .returning({ r2Key: uploadIntents.r2Key });
  if (cleared.length > 0) return;
  // A separate statement, so it sees a version committed while the delete waited.
  const shared = await tx.execute(sql`select 1 from versions where r2_key = ${r2Key} limit 1`);
  if (shared.rows.length > 0) return;
  throw new ApiError('service_unavailable', 'The upload expired before it was recorded; publish again.', undefined, {
    'Retry-After': '1',
  });
}

/**
 * Deletes the blobs of intents older than ORPHAN_AFTER_MINUTES that no version
 * references, and forgets those intents (a referenced key's blob stays).
 * Returns how many blobs were deleted.
 */
export async function sweepOrphanBlobs(db: Database, bucket: R2Bucket): Promise<number> {
  return db.transaction(async (tx) => {
    const taken = await tx.execute<{ r2_key: string; referenced: boolean }>(sql`
      select i.r2_key, exists (select 1 from versions v where v.r2_key = i.r2_key) as referenced
      from upload_intents i
      where i.created_at < now() - ${ORPHAN_AFTER_MINUTES}::int * interval '1 minute'
      order by i.created_at
      limit ${SWEEP_BATCH}::int
      for update of i skip locked`);
    if (taken.rows.length === 0) return 0;
    const orphans = taken.rows.filter((r) => !r.referenced).map((r) => r.r2_key);
    // Under the row locks: a publish renewing one of these keys waits for the commit.
    if (orphans.length > 0) await bucket.delete(orphans);
    await tx.delete(uploadIntents).where(
      inArray(
        uploadIntents.r2Key,
        taken.rows.map((r) => r.r2_key),
      ),
    );
    return orphans.length;
  });
}
