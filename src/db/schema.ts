// Every table, constraint and inferred row type of the registry. Migrations in
// drizzle/ are generated from this file by drizzle-kit; never edit them by hand
// except for the custom ones (extensions, functions) drizzle-kit cannot express.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** The row this one belongs to: required, and deleted with it. */
const parentRef = (name: string, parent: () => AnyPgColumn) =>
  uuid(name).notNull().references(parent, { onDelete: 'cascade' });
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: createdAt(),
    /** Set by an operator (src/services/suspensions.ts): sign-in refused, tokens refused. Null when active. */
    suspendedAt: tstz('suspended_at'),
    suspensionReason: text('suspension_reason'),
  },
  (t) => [
    uniqueIndex('users_username_key').on(t.username),
    // Emails are compared case-insensitively; the index is what makes a race safe.
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    check('users_username_format', sql`${t.username} ~ '^[a-z0-9-]{1,32}$'`),
    check('users_email_length', sql`char_length(${t.email}) between 3 and 254`),
  ],
);

/** One row per issued JWT (`id` is its `jti`). The token itself is never stored. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: parentRef('user_id', () => users.id),
    name: text('name').notNull(),
    /**
     * `session` tokens come from register/login/refresh, `web` from a browser
     * sign-in; `api` tokens are named by the user; `trusted` tokens are minted
     * for a CI job by trusted publishing (their packages and provenance are in
     * trusted_tokens).
     */
    kind: text('kind', { enum: ['session', 'api', 'web', 'trusted'] }).notNull(),
    /** Empty means "everything the user can do". */
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    /** Optional glob (`raven-*`) limiting which packages the token may act on. */
    packagePattern: text('package_pattern'),
    createdAt: createdAt(),
    expiresAt: tstz('expires_at').notNull(),
    lastUsed: tstz('last_used'),
    revokedAt: tstz('revoked_at'),
  },
  (t) => [
    index('api_tokens_user_idx').on(t.userId),
    check('api_tokens_kind', sql`${t.kind} in ('session', 'api', 'web', 'trusted')`),
    check('api_tokens_name_length', sql`char_length(${t.name}) between 1 and 64`),
  ],
);

export const packages = pgTable(
  'packages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** Name without hyphens: unique, so lookalikes (`ravenui` vs `raven-ui`) collide in the database itself. */
    canonicalName: text('canonical_name').notNull(),
    description: text('description').notNull().default(''),
    license: text('license').notNull().default(''),
    repository: text('repository'),
    homepage: text('homepage'),
    keywords: text('keywords').array().notNull().default(sql`'{}'::text[]`),
    categories: text('categories').array().notNull().default(sql`'{}'::text[]`),
    readme: text('readme'),
    /** The latest version's README as sanitised HTML (copied with `readme`). */
    readmeHtml: text('readme_html'),
    /**
     * Highest non-yanked release (else highest non-yanked pre-release), kept by
     * publish/yank/unyank in the same transaction: semver order is computed in
     * TypeScript once per write instead of in SQL on every read. Null when every
     * version is yanked or taken down, or the package is: listings (search,
     * trending, categories, the home page) only show packages where it is set.
     */
    latestVersion: text('latest_version'),
    /** Denormalised by the download flush so listings and ranking need no aggregation. */
    downloads: bigint('downloads', { mode: 'number' }).notNull().default(0),
    /** Every version row, yanked ones included: kept by refreshLatest, read by package stats and the counters. */
    versionsCount: integer('versions_count').notNull().default(0),
    /**
     * The latest version's dependency names (never the package itself), kept by
     * refreshLatest: what the package adds to `dependents:<name>` counters, so a
     * change is counted from this row even when the old latest's row is gone.
     */
    latestDependencies: text('latest_dependencies').array().notNull().default(sql`'{}'::text[]`),
    deprecationMessage: text('deprecation_message'),
    deprecatedAt: tstz('deprecated_at'),
    /** Set by an owner: only trusted-publishing tokens may publish new versions. */
    requireTrustedPublishing: boolean('require_trusted_publishing').notNull().default(false),
    /**
     * Set by an operator's takedown (src/services/takedowns.ts): the package leaves
     * every listing and its downloads answer 451 with the reason. Null when live.
     */
    takenDownAt: tstz('taken_down_at'),
    takedownReason: text('takedown_reason'),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    /**
     * Weighted full-text document (name A > keywords B > description C), kept by
     * Postgres itself. raven_search_document() is the IMMUTABLE wrapper made in
     * drizzle/0001_search_setup.sql.
     */
    searchDocument: tsvector('search_document').generatedAlwaysAs(
      sql`raven_search_document("name", "keywords", "description")`,
    ),
  },
  (t) => [
    uniqueIndex('packages_name_key').on(t.name),
    uniqueIndex('packages_canonical_name_key').on(t.canonicalName),
    index('packages_search_document_idx').using('gin', t.searchDocument),
    // pg_trgm (0001_search_setup.sql): `%` and `<%` on names for typos and partial names.
    index('packages_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    // The home page's newest and recently updated lists read `limit` entries of these, not every package.
    index('packages_newest_idx').on(t.createdAt.desc().nullsFirst(), t.name).where(sql`${t.latestVersion} is not null`),
    index('packages_updated_idx')
      .on(t.updatedAt.desc().nullsFirst(), t.name)
      .where(sql`${t.latestVersion} is not null`),
    check('packages_name_format', sql`${t.name} ~ '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' and char_length(${t.name}) <= 64`),
    check('packages_canonical_name', sql`${t.canonicalName} = replace(${t.name}, '-', '')`),
  ],
);

export const versions = pgTable(
  'versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    packageId: parentRef('package_id', () => packages.id),
    version: text('version').notNull(),
    description: text('description').notNull().default(''),
    authors: text('authors').array().notNull().default(sql`'{}'::text[]`),
    license: text('license').notNull().default(''),
    repository: text('repository'),
    homepage: text('homepage'),
    keywords: text('keywords').array().notNull().default(sql`'{}'::text[]`),
    categories: text('categories').array().notNull().default(sql`'{}'::text[]`),
    dependencies: jsonb('dependencies').$type<Record<string, unknown>>().notNull().default({}),
    devDependencies: jsonb('dev_dependencies').$type<Record<string, unknown>>().notNull().default({}),
    readme: text('readme'),
    /** The README rendered and sanitised once, at publish (src/lib/readme.ts); null until rendered. */
    readmeHtml: text('readme_html'),
    /** `sha256:<hex>` of the tarball bytes. */
    checksum: text('checksum').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    r2Key: text('r2_key').notNull(),
    isPrerelease: boolean('is_prerelease').notNull(),
    downloads: bigint('downloads', { mode: 'number' }).notNull().default(0),
    publishedBy: uuid('published_by').references(() => users.id, { onDelete: 'set null' }),
    /** Where a trusted-publishing token's CI run came from (src/lib/oidc.ts `Provenance`); null otherwise. */
    provenance: jsonb('provenance').$type<Record<string, string>>(),
    publishedAt: tstz('published_at').notNull().defaultNow(),
    yanked: boolean('yanked').notNull().default(false),
    yankedAt: tstz('yanked_at'),
    /** An operator's takedown of this version alone (see packages.taken_down_at); the blob stays in R2. */
    takenDownAt: tstz('taken_down_at'),
    takedownReason: text('takedown_reason'),
  },
  (t) => [
    // Versions are immutable: the constraint, not a prior SELECT, decides a race.
    uniqueIndex('versions_package_version_key').on(t.packageId, t.version),
    // The sweeper asks whether any version still references a blob.
    index('versions_r2_key_idx').on(t.r2Key),
    // Dependents counts: `dependencies ? name`.
    index('versions_dependencies_idx').using('gin', t.dependencies),
    // The sweeper's README backfill finds its next batch here; empty once every README is rendered.
    index('versions_readme_unrendered_idx').on(t.id).where(sql`${t.readme} is not null and ${t.readmeHtml} is null`),
    check('versions_checksum_format', sql`${t.checksum} ~ '^sha256:[0-9a-f]{64}$'`),
    check('versions_size_positive', sql`${t.sizeBytes} > 0`),
    check('versions_yank_consistent', sql`${t.yanked} = (${t.yankedAt} is not null)`),
  ],
);

export const packageOwners = pgTable(
  'package_owners',
  {
    packageId: parentRef('package_id', () => packages.id),
    userId: parentRef('user_id', () => users.id),
    role: text('role', { enum: ['owner', 'maintainer'] }).notNull(),
    addedAt: tstz('added_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.packageId, t.userId] }),
    index('package_owners_user_idx').on(t.userId),
    check('package_owners_role', sql`${t.role} in ('owner', 'maintainer')`),
  ],
);

/**
 * Invitations to join a package as owner or maintainer: nobody becomes a member
 * (listed, or able to act) without accepting. Resolved rows stay, with their
 * status, so a late accept of a cancelled invitation is told apart from a race.
 * At most one pending invitation per (package, user): the partial unique index,
 * not a prior SELECT, is what keeps concurrent invites from making two.
 */
export const packageInvitations = pgTable(
  'package_invitations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    packageId: parentRef('package_id', () => packages.id),
    userId: parentRef('user_id', () => users.id),
    role: text('role', { enum: ['owner', 'maintainer'] }).notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['pending', 'accepted', 'declined', 'cancelled', 'replaced'] })
      .notNull()
      .default('pending'),
    createdAt: createdAt(),
    expiresAt: tstz('expires_at').notNull(),
    resolvedAt: tstz('resolved_at'),
  },
  (t) => [
    uniqueIndex('package_invitations_pending_key').on(t.packageId, t.userId).where(sql`${t.status} = 'pending'`),
    // GET /users/me/invitations.
    index('package_invitations_user_pending_idx').on(t.userId).where(sql`${t.status} = 'pending'`),
    check('package_invitations_role', sql`${t.role} in ('owner', 'maintainer')`),
    check(
      'package_invitations_status',
      sql`${t.status} in ('pending', 'accepted', 'declined', 'cancelled', 'replaced')`,
    ),
    check('package_invitations_resolved', sql`(${t.status} = 'pending') = (${t.resolvedAt} is null)`),
  ],
);

/** Download counts per version per UTC day, written in batches by the DownloadCounter object. */
export const versionDownloads = pgTable(
  'version_downloads',
  {
    versionId: parentRef('version_id', () => versions.id),
    day: date('day', { mode: 'string' }).notNull(),
    count: bigint('count', { mode: 'number' }).notNull().default(0),
  },
  // By day: the cron's rollup into package_downloads reads the last two days.
  (t) => [primaryKey({ columns: [t.versionId, t.day] }), index('version_downloads_day_idx').on(t.day)],
);

/**
 * Downloads per package per UTC day, the rollup trending is ranked from, so
 * ranking sums one row per package and day instead of one per version and day
 * and never joins versions. The cron re-sums today and yesterday from
 * version_downloads each run (rollupRecentDownloads, src/services/counters.ts);
 * the flush itself is left as it was. Keyed by day first: the cron reads a
 * range of recent days.
 */
export const packageDownloads = pgTable(
  'package_downloads',
  {
    packageId: uuid('package_id')
      .notNull()
      .references(() => packages.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    count: bigint('count', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.packageId] })],
);

/**
 * Every package's downloads as last counted, in most-downloaded-first order
 * among live ones (a non-yanked version), for trending `all`, which walks it
 * and stops at its page, and for the cron's ranking of search_popular. Kept out of
 * `packages` on purpose: an index on packages.downloads would make every
 * download flush a non-HOT update that also rewrites the package's GIN and
 * trigram index entries. Rows come and `live` changes with publish, yank and
 * unyank (src/services/counters.ts); `downloads` follows packages.downloads
 * once a minute (settleDownloads, the cron), which also adds the difference to
 * the registry's `downloads` counter, so the flush itself writes neither.
 *
 * No foreign key, here or on category_ranks: these rows are derived, removed
 * with their package by removePackageCounters (rebuilt by
 * raven_rebuild_counters()). A foreign key check plans its own query once per
 * Postgres backend, and each request opens a fresh one: ~0.7 ms of a new
 * package's publish (psql, fresh backends, 200k packages).
 */
export const packageRanks = pgTable(
  'package_ranks',
  {
    packageId: uuid('package_id').primaryKey(),
    name: text('name').notNull(),
    downloads: bigint('downloads', { mode: 'number' }).notNull(),
    live: boolean('live').notNull(),
  },
  // NULLS FIRST is what `order by downloads desc` means: an index sorted otherwise is never walked.
  (t) => [index('package_ranks_downloads_idx').on(t.downloads.desc().nullsFirst(), t.name).where(sql`${t.live}`)],
);

/**
 * Each live package once per word of its categories and keywords, with its
 * package_ranks downloads: a category page is one range of the index, most
 * downloaded first, however many packages the registry or the category holds
 * (walking package_ranks and testing each package cost in proportion to how
 * rare the category is). Rows follow publish, yank, unyank and takedown in the
 * counters' statement (applyCounterDeltas) and downloads in settleDownloads, the
 * cron's (src/services/counters.ts).
 */
export const categoryRanks = pgTable(
  'category_ranks',
  {
    packageId: uuid('package_id').notNull(),
    category: text('category').notNull(),
    name: text('name').notNull(),
    downloads: bigint('downloads', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.packageId, t.category] }),
    index('category_ranks_page_idx').on(t.category, t.downloads.desc().nullsFirst(), t.name),
  ],
);

/**
 * The most downloaded live packages' search documents, in rank order, rewritten
 * by the cron (refreshSearchPopular, src/services/search.ts): search's first
 * step reads this small table in order instead of fetching each package row by
 * its rank, and a query matching many of them is ranked among them alone.
 * Up to a minute stale, which only decides where a query's candidates come
 * from: every candidate is checked against its package row before it is scored.
 */
export const searchPopular = pgTable('search_popular', {
  rank: integer('rank').primaryKey(),
  packageId: parentRef('package_id', () => packages.id),
  searchDocument: tsvector('search_document').notNull(),
});

/**
 * A fixed-size random sample of packages, re-drawn by the cron with
 * search_popular: a broad query's estimated total is its share of these rows,
 * read from one small table rather than sampling the packages' pages on every
 * search. No foreign key: a deleted package only skews an estimate until the
 * next draw.
 */
export const searchSample = pgTable('search_sample', {
  slot: integer('slot').primaryKey(),
  name: text('name').notNull(),
  live: boolean('live').notNull(),
  searchDocument: tsvector('search_document').notNull(),
});

/**
 * Exact counters as a log of signed deltas: `packages`, `versions`, `users`,
 * `downloads`, `category:<word>` (live packages listing the word in categories
 * or keywords) and `dependents:<name>` (packages whose latest version depends
 * on it). The code that changes a counted row appends the delta in the same
 * transaction (src/services/counters.ts); `downloads` is added by the cron. Appending instead of updating one row
 * per counter means concurrent publishes and flushes never wait on a shared
 * row; the cron folds each key's rows into one, so a read sums a few rows.
 */
export const counterDeltas = pgTable(
  'counter_deltas',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    key: text('key').notNull(),
    delta: bigint('delta', { mode: 'number' }).notNull(),
    /** False until the cron folds the row into its key's total. */
    settled: boolean('settled').notNull().default(false),
  },
  (t) => [
    index('counter_deltas_key_idx').on(t.key, t.delta),
    index('counter_deltas_unsettled_idx').on(t.key).where(sql`not ${t.settled}`),
  ],
);

/**
 * Trending week/month as ranked by the cron (src/services/trending.ts): the
 * top TRENDING_SNAPSHOT_SIZE per period, one generation per refresh
 * (computed_at); a refresh adds its generation and deletes older ones in one
 * statement, so readers always see one whole ranking.
 */
export const trendingSnapshot = pgTable(
  'trending_snapshot',
  {
    period: text('period').notNull(),
    rank: integer('rank').notNull(),
    packageId: uuid('package_id')
      .notNull()
      .references(() => packages.id, { onDelete: 'cascade' }),
    downloadsPeriod: bigint('downloads_period', { mode: 'number' }).notNull(),
    trendScore: doublePrecision('trend_score').notNull(),
    computedAt: tstz('computed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.period, t.computedAt, t.rank] })],
);

/**
 * Flushes already applied, so a retried flush (alarm retry after a failure
 * between commit and acknowledgement) never counts twice.
 */
export const downloadFlushes = pgTable(
  'download_flushes',
  {
    id: text('id').primaryKey(),
    appliedAt: createdAt(),
  },
  // The sweeper prunes by age (src/services/downloads.ts pruneFlushes).
  (t) => [index('download_flushes_applied_at_idx').on(t.appliedAt)],
);

/**
 * Tarball uploads not yet recorded by a version: written before the R2 put,
 * deleted in the version's transaction. What outlives an hour was a publish
 * that failed after its upload; the sweeper deletes such blobs when no version
 * references their key (src/services/uploads.ts). Keyed by the content address,
 * so a second upload of the same bytes renews the row instead of adding one.
 */
export const uploadIntents = pgTable(
  'upload_intents',
  {
    r2Key: text('r2_key').primaryKey(),
    createdAt: createdAt(),
  },
  (t) => [index('upload_intents_created_at_idx').on(t.createdAt)],
);

/** Who did what, with which token. Written in the same transaction as the action. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    tokenId: uuid('token_id').references(() => apiTokens.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    packageId: uuid('package_id').references(() => packages.id, { onDelete: 'cascade' }),
    version: text('version'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_package_idx').on(t.packageId, t.createdAt), index('audit_log_actor_idx').on(t.actorId)],
);

/**
 * What operators did (takedowns, suspensions, reserved names, ...), who did it
 * and why. Targets are kept as names, not foreign keys: the record must outlive
 * the package, version or user it is about. Written in the action's transaction.
 */
export const operatorActions = pgTable(
  'operator_actions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    /** Kept beside actor_id so the log still names an actor whose account is gone. */
    actorUsername: text('actor_username').notNull(),
    action: text('action').notNull(),
    targetPackage: text('target_package'),
    targetVersion: text('target_version'),
    targetUser: text('target_user'),
    /** A reserved name, or anything else an action names that is not a package or user. */
    targetName: text('target_name'),
    reason: text('reason').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [index('operator_actions_created_idx').on(t.createdAt, t.id)],
);

/**
 * Package names nobody may publish, besides the built-in words
 * (src/lib/package-name.ts): reserved by operators, or for a while after a
 * package is deleted. Matched on the canonical form, like lookalikes; a row past
 * its `expires_at` no longer counts (nothing needs to delete it).
 */
export const reservedNames = pgTable(
  'reserved_names',
  {
    name: text('name').primaryKey(),
    canonicalName: text('canonical_name').notNull(),
    reason: text('reason').notNull().default(''),
    reservedBy: uuid('reserved_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    /** Null: until released. */
    expiresAt: tstz('expires_at'),
  },
  (t) => [
    index('reserved_names_canonical_idx').on(t.canonicalName),
    check('reserved_names_canonical', sql`${t.canonicalName} = replace(${t.name}, '-', '')`),
  ],
);

/**
 * Webhooks: per-package HTTP targets for package events. The signing secret is
 * stored encrypted (AES-GCM, see src/lib/webhook-crypto.ts), never in clear.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /**
     * Null once the package is deleted: the webhook outlives it only until its
     * `package.deleted` delivery is final (the sweeper then deletes it).
     */
    packageId: uuid('package_id').references(() => packages.id, { onDelete: 'set null' }),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    /** `v1.<iv>.<ciphertext>` (base64url), sealed with the webhook id as associated data. */
    secretCiphertext: text('secret_ciphertext').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    /** Set while an owner has paused the webhook: new events make no deliveries for it. */
    pausedAt: tstz('paused_at'),
  },
  (t) => [
    uniqueIndex('webhooks_package_url_key').on(t.packageId, t.url),
    // The sweeper's look for webhooks of deleted packages.
    index('webhooks_orphaned_idx').on(t.id).where(sql`${t.packageId} is null`),
    check('webhooks_url_length', sql`char_length(${t.url}) between 1 and 2048`),
    check(
      'webhooks_events_known',
      sql`cardinality(${t.events}) > 0 and ${t.events} <@ array['package.published', 'package.yanked', 'package.deprecated', 'package.deleted', 'version.deleted']::text[]`,
    ),
  ],
);

/**
 * The outbox: one row per package event, inserted in the same transaction as
 * the change it describes. `payload` is the exact JSON body every delivery
 * sends (text, so retries are byte-identical). `dispatched_at` is set once
 * deliveries exist for every webhook subscribed at dispatch time, or once the
 * event is `dropped` by the per-package limit (src/services/events.ts).
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: uuid('id').primaryKey(),
    /** Null once the package is deleted (its `package.deleted` event is still being delivered). */
    packageId: uuid('package_id').references(() => packages.id, { onDelete: 'set null' }),
    event: text('event').notNull(),
    version: text('version'),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    payload: text('payload').notNull(),
    createdAt: createdAt(),
    dispatchedAt: tstz('dispatched_at'),
    /** Over the per-package hourly limit at dispatch: no deliveries were made for it. */
    dropped: boolean('dropped').notNull().default(false),
  },
  (t) => [
    // The sweeper's and the eager dispatch's scan: only undispatched rows are indexed.
    index('webhook_events_undispatched_idx').on(t.createdAt).where(sql`${t.dispatchedAt} is null`),
    // The per-package limit counts a package's events of the last hour (at most the limit's worth of rows).
    index('webhook_events_package_idx').on(t.packageId, t.createdAt),
    check(
      'webhook_events_event_known',
      sql`${t.event} in ('package.published', 'package.yanked', 'package.deprecated', 'package.deleted', 'version.deleted')`,
    ),
  ],
);

/**
 * One delivery per (webhook, event): the unique pair is what makes a repeated
 * dispatch harmless. `locked_until` is a lease held while one consumer sends;
 * `next_attempt_at` is when the queue is due to bring it back.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    webhookId: parentRef('webhook_id', () => webhooks.id),
    eventId: parentRef('event_id', () => webhookEvents.id),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] })
      .notNull()
      .default('pending'),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at').notNull().defaultNow(),
    lockedUntil: tstz('locked_until'),
    createdAt: createdAt(),
    completedAt: tstz('completed_at'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_webhook_event_key').on(t.webhookId, t.eventId),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt),
    index('webhook_deliveries_event_idx').on(t.eventId),
    index('webhook_deliveries_pending_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    check('webhook_deliveries_status', sql`${t.status} in ('pending', 'succeeded', 'failed')`),
    check('webhook_deliveries_final', sql`(${t.status} = 'pending') = (${t.completedAt} is null)`),
  ],
);

/** Every HTTP attempt of a delivery: status code (null on a network error or timeout), error, duration. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: parentRef('delivery_id', () => webhookDeliveries.id),
    attempt: integer('attempt').notNull(),
    startedAt: tstz('started_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
  },
  (t) => [
    primaryKey({ columns: [t.deliveryId, t.attempt] }),
    check('webhook_attempts_attempt', sql`${t.attempt} >= 1`),
  ],
);

/**
 * CI identities allowed to publish a package (trusted publishing). The columns
 * every provider has are real columns, because the token exchange looks rows up
 * by them: the repository owner's immutable id (GitHub `repository_owner_id`,
 * GitLab `namespace_id`) and the repository path (GitHub `repository`, GitLab
 * `project_path`). What only one provider has (GitHub's workflow file and
 * environment, GitLab's CI config path) lives in `config`, checked per provider
 * by zod (src/schemas/trusted-publishing.ts). A second provider is a new
 * `provider` value and a new config schema, not a new table or a migration
 * beyond widening the check.
 */
export const trustedPublishers = pgTable(
  'trusted_publishers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    packageId: parentRef('package_id', () => packages.id),
    provider: text('provider', { enum: ['github'] }).notNull(),
    ownerId: text('owner_id').notNull(),
    repository: text('repository').notNull(),
    config: jsonb('config').$type<Record<string, string>>().notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('trusted_publishers_package_idx').on(t.packageId),
    // The exchange's lookups: by owner id, and by repository (to name the claim a near miss got wrong).
    index('trusted_publishers_owner_idx').on(t.provider, t.ownerId),
    index('trusted_publishers_repository_idx').on(t.provider, sql`lower(${t.repository})`),
    uniqueIndex('trusted_publishers_unique_key').on(
      t.packageId,
      t.provider,
      t.ownerId,
      sql`lower(${t.repository})`,
      t.config,
    ),
    check('trusted_publishers_provider', sql`${t.provider} in ('github')`),
  ],
);

/** What a `trusted` token may do: publish these packages, recording this provenance. */
export const trustedTokens = pgTable('trusted_tokens', {
  tokenId: uuid('token_id')
    .primaryKey()
    .references(() => apiTokens.id, { onDelete: 'cascade' }),
  packageIds: uuid('package_ids').array().notNull(),
  provenance: jsonb('provenance').$type<Record<string, string>>().notNull(),
});

/**
 * OIDC token ids already exchanged: an ID token is single use. Rows live until
 * the ID token itself expires (after that its `exp` refuses it anyway) and the
 * cron prunes them.
 */
export const trustedPublishingJtis = pgTable(
  'trusted_publishing_jtis',
  {
    issuer: text('issuer').notNull(),
    jti: text('jti').notNull(),
    expiresAt: tstz('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.jti] }), index('trusted_publishing_jtis_expires_idx').on(t.expiresAt)],
);

/**
 * Versions deleted by their owners: the number stays taken for good (versions
 * are immutable, so `name@version` always means the same bytes), even after the
 * whole package is deleted and its name taken by someone else. Keyed by name,
 * not package id, for that reason.
 */
export const deletedVersions = pgTable(
  'deleted_versions',
  {
    packageName: text('package_name').notNull(),
    version: text('version').notNull(),
    checksum: text('checksum').notNull(),
    deletedBy: uuid('deleted_by').references(() => users.id, { onDelete: 'set null' }),
    deletedAt: tstz('deleted_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.packageName, t.version] })],
);

export const REPORT_KINDS = ['malware', 'spam', 'squatting', 'stolen', 'other'] as const;

/**
 * Reports by signed-in users about a package or one of its versions, for
 * operators to read and close. The package is kept by name, not a foreign key:
 * a report must outlive a deletion or takedown of what it is about.
 */
export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    packageName: text('package_name').notNull(),
    version: text('version'),
    kind: text('kind', { enum: REPORT_KINDS }).notNull(),
    text: text('text').notNull(),
    reporterId: uuid('reporter_id').references(() => users.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['open', 'closed'] })
      .notNull()
      .default('open'),
    resolution: text('resolution'),
    closedBy: uuid('closed_by').references(() => users.id, { onDelete: 'set null' }),
    closedAt: tstz('closed_at'),
    createdAt: createdAt(),
  },
  (t) => [
    // The operators' queue: open (or closed) reports, oldest first.
    index('reports_status_created_idx').on(t.status, t.createdAt),
    check('reports_kind', sql`${t.kind} in ('malware', 'spam', 'squatting', 'stolen', 'other')`),
    check('reports_status', sql`${t.status} in ('open', 'closed')`),
    check('reports_closed', sql`(${t.status} = 'closed') = (${t.closedAt} is not null)`),
    check('reports_text_length', sql`char_length(${t.text}) between 1 and 5000`),
  ],
);

export type OwnerRole = (typeof packageOwners.$inferSelect)['role'];
