// Deprecating a package (owners only): it stays installable, its info reply
// carries the message, search ranks it below live packages, and webhooks hear
// about it (package.deprecated, in the same transaction). Setting the same
// message again, or undeprecating a live package, changes nothing and emits nothing.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { packages } from '../db/schema';
import type { AuthContext } from '../env';
import { lockAs } from './access';
import { writeAudit } from './audit';
import { recordEvent } from './events';

export interface Deprecation {
  message: string;
  deprecatedAt: Date;
}

/** `message` null undeprecates. Returns the deprecation now in force, or null. */
export function setDeprecation(
  db: Database,
  actor: AuthContext,
  name: string,
  message: string | null,
): Promise<Deprecation | null> {
  return db.transaction(async (tx) => {
    const pkg = await lockAs(tx, name, actor, 'owner', message === null ? 'undeprecate it' : 'deprecate it');
    const [current] = await tx
      .select({ message: packages.deprecationMessage, deprecatedAt: packages.deprecatedAt })
      .from(packages)
      .where(eq(packages.id, pkg.id));
    const before = current?.deprecatedAt
      ? { message: current.message ?? '', deprecatedAt: current.deprecatedAt }
      : null;

    if (message === null) {
      if (!before) return null;
      await tx.update(packages).set({ deprecationMessage: null, deprecatedAt: null }).where(eq(packages.id, pkg.id));
      await writeAudit(tx, actor, { action: 'undeprecate', packageId: pkg.id, details: { message: before.message } });
      await recordEvent(tx, actor, {
        event: 'package.deprecated',
        packageId: pkg.id,
        packageName: pkg.name,
        data: { deprecated: false, message: '', deprecated_at: '' },
      });
      return null;
    }

    if (before && before.message === message) return before;
    // A new message on an already deprecated package keeps the original date.
    const [after] = await tx
      .update(packages)
      .set({ deprecationMessage: message, deprecatedAt: sql`coalesce(${packages.deprecatedAt}, now())` })
      .where(eq(packages.id, pkg.id))
      .returning({ deprecatedAt: packages.deprecatedAt });
    const deprecatedAt = after?.deprecatedAt ?? new Date();
    await writeAudit(tx, actor, {
      action: 'deprecate',
      packageId: pkg.id,
      details: { message, previous_message: before?.message ?? null },
    });
    await recordEvent(tx, actor, {
      event: 'package.deprecated',
      packageId: pkg.id,
      packageName: pkg.name,
      data: { deprecated: true, message, deprecated_at: deprecatedAt.toISOString() },
    });
    return { message, deprecatedAt };
  });
}
