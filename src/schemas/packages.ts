import { z } from '@hono/zod-openapi';
import { hasPackageNameFormat, MAX_PACKAGE_NAME_LENGTH, packageNameProblem } from '../lib/package-name';
import { safeText } from '../lib/text-rules';
import { isCargoRequirement, isStrictSemver } from '../lib/versions';
import { Id, pathParam, Timestamp } from './common';

const PackageName = z
  .string()
  .superRefine((name, ctx) => {
    const problem = packageNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({ example: 'raven-store' });

const Version = z
  .string()
  .refine(isStrictSemver, 'Versions are strict SemVer 2.0.0, e.g. "1.2.3" or "1.0.0-beta.1".')
  .openapi({ example: '1.0.0' });

/** Nothing a tool might pass to git or a build tool may look like an option ("-…"). */
const notAnOption = (s: string) => !s.startsWith('-');
const NOT_AN_OPTION = 'May not start with "-".';

const Requirement = z
  .string()
  .trim()
  .refine(isCargoRequirement, 'A requirement is Cargo-style, e.g. "1.0.0", "^0.1", ">=1.2, <2".');

/** Dependency names follow the package name format (reserved words are not checked: they only ever fail to resolve). */
const DependencyName = z
  .string()
  .max(MAX_PACKAGE_NAME_LENGTH)
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'Dependency names are package names.');

const HttpsUrl = z
  .string()
  .max(512)
  .refine((u) => u.startsWith('https://') && URL.canParse(u), 'A git source is an https:// URL.');

// Only the keys the CLI knows: anything else would be served to clients that
// ignore it, so what they build would differ from what the page shows.
const DetailedDependency = z
  .strictObject({
    version: Requirement.optional(),
    features: z.array(safeText.min(1).max(64).refine(notAnOption, NOT_AN_OPTION)).max(64).optional(),
    optional: z.boolean().optional(),
    'default-features': z.boolean().optional(),
    package: DependencyName.optional(),
    git: HttpsUrl.optional(),
    branch: safeText.min(1).max(256).refine(notAnOption, NOT_AN_OPTION).optional(),
  })
  .refine((d) => d.version !== undefined || d.git !== undefined, 'A dependency needs a version (or a git source).');

const Dependency = z.union([Requirement, DetailedDependency], {
  error:
    'A dependency is a requirement string like "^1.0" or {version, features?, optional?, default-features?, package?, git?, branch?}.',
});

export const Dependencies = z
  .record(DependencyName, Dependency)
  .refine((d) => Object.keys(d).length <= 256, 'At most 256 dependencies.')
  .default({});

const OptionalUrl = z
  .union([z.literal(''), z.httpUrl('Must be an http(s) URL.').max(512)])
  .nullish()
  .transform((u) => u || null);

const Keyword = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_+-]*$/, 'Keywords are letters, digits, "_", "+" and "-".');

/** The `metadata` (or `manifest`) part of a publish, as the CLI sends it. */
export const PublishMetadata = z
  .object({
    name: PackageName,
    version: Version,
    authors: z.array(safeText.trim().min(1).max(200)).max(50).default([]),
    // One line: a description is shown in search results and terminals; the README is for more.
    description: safeText
      .max(2000)
      .nullish()
      .transform((d) => d ?? ''),
    license: z
      .string()
      .trim()
      .max(128)
      .regex(/^[A-Za-z0-9.+\-() ]*$/, 'A license is an SPDX expression, e.g. "MIT OR Apache-2.0".')
      .nullish()
      .transform((l) => l ?? ''),
    repository: OptionalUrl,
    homepage: OptionalUrl,
    keywords: z.array(Keyword).max(10, 'At most 10 keywords.').default([]),
    dependencies: Dependencies,
    dev_dependencies: Dependencies,
  })
  .openapi('PublishMetadata');
export type PublishMetadata = z.infer<typeof PublishMetadata>;

/** OpenAPI description only: the body is read by the publish route itself (streamed, size-capped). */
export const PublishBodyDoc = {
  type: 'object' as const,
  required: ['metadata', 'tarball'],
  properties: {
    metadata: { type: 'string' as const, description: 'JSON PublishMetadata (the part may also be named `manifest`).' },
    tarball: {
      type: 'string' as const,
      format: 'binary',
      description: '`<name>-<version>.tar.gz` holding raven.toml at its root.',
    },
  },
};

export const NameParam = z.object({ name: pathParam('name', 128, 'raven-store') });
export const NameVersionParam = NameParam.extend({
  version: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: 'version', in: 'path' }, example: '1.0.0' }),
});
/**
 * The download route's parameters, checked before the edge cache and the
 * download counter see them. The name is ASCII letters (in any case, since
 * lookups lowercase), digits and `-` in a package name's shape: nothing a URL
 * parser could turn into another path (an encoded `/`, a dot segment) and no
 * Unicode letter that lowercases into ASCII (the Kelvin sign is a `k`). The
 * version is strict SemVer, as published.
 */
export const DownloadParam = z.object({
  name: z
    .string()
    .refine(
      (name) => /^[A-Za-z0-9-]+$/.test(name) && hasPackageNameFormat(name.toLowerCase()),
      'Not a package name: 1-64 letters, digits and "-", a letter first, no "--".',
    )
    .toLowerCase()
    .openapi({ param: { name: 'name', in: 'path' }, example: 'raven-store' }),
  version: Version.openapi({ param: { name: 'version', in: 'path' }, example: '1.0.0' }),
});
export const OwnerParam = NameParam.extend({ username: pathParam('username', 64) });

export const PublishReply = z
  .object({
    package_id: Id,
    name: z.string(),
    version: z.string(),
    published_at: Timestamp,
    download_url: z.string(),
    checksum: z.string(),
    published_by: z.string().openapi({ description: 'Username of the publisher.' }),
  })
  .openapi('PublishReply');

const Deps = z.record(z.string(), z.unknown());

export const PackageReply = z
  .object({
    name: z.string(),
    description: z.string(),
    latest_version: z.string(),
    versions: z.array(z.string()),
    yanked_versions: z.array(z.string()),
    owner: z.object({ username: z.string(), user_id: Id }),
    license: z.string(),
    repository: z.string(),
    homepage: z.string(),
    keywords: z.array(z.string()),
    categories: z.array(z.string()),
    readme: z.string(),
    downloads_total: z.number().int().nonnegative(),
    downloads_last_month: z.number().int().nonnegative(),
    created_at: Timestamp,
    updated_at: Timestamp,
    deprecated: z
      .object({ message: z.string(), deprecated_at: Timestamp })
      .optional()
      .openapi({ description: 'Present only while the package is deprecated.' }),
  })
  .openapi('Package');

/** Where a trusted-publishing CI run built a version (src/lib/trusted-claims.ts). */
const ProvenanceReply = z
  .object({
    provider: z.string(),
    repository: z.string(),
    workflow: z.string(),
    ref: z.string(),
    sha: z.string(),
    run_id: z.string(),
    run_url: z.string(),
  })
  .nullable()
  .openapi('Provenance', { description: 'Where a trusted-publishing CI run built this version; null otherwise.' });

export const VersionReply = z
  .object({
    name: z.string(),
    version: z.string(),
    description: z.string(),
    authors: z.array(z.string()),
    license: z.string(),
    repository: z.string(),
    homepage: z.string(),
    keywords: z.array(z.string()),
    categories: z.array(z.string()),
    dependencies: Deps,
    dev_dependencies: Deps,
    published_at: Timestamp,
    download_url: z.string(),
    checksum: z.string(),
    size_bytes: z.number().int().positive(),
    downloads: z.number().int().nonnegative(),
    yanked: z.boolean(),
    yanked_at: z.string(),
    published_by: z.string().openapi({ description: 'Username of the publisher; "" if unknown (account deleted).' }),
    provenance: ProvenanceReply,
  })
  .openapi('PackageVersion');

export const YankReply = z
  .object({ name: z.string(), version: z.string(), yanked: z.literal(true), yanked_at: Timestamp })
  .openapi('YankReply');
export const UnyankReply = z
  .object({ name: z.string(), version: z.string(), yanked: z.literal(false) })
  .openapi('UnyankReply');

export const OwnerRole = z.enum(['owner', 'maintainer']);

export const OwnersReply = z
  .object({
    owners: z.array(z.object({ username: z.string(), user_id: Id, role: OwnerRole, added_at: Timestamp })),
  })
  .openapi('Owners');

export const AddOwnerBody = z
  .object({ username: z.string().trim().toLowerCase().min(1).max(64), role: OwnerRole })
  .openapi('AddOwnerRequest');
export const OwnerAddedReply = z
  .object({ username: z.string(), role: OwnerRole, added_at: Timestamp })
  .openapi('OwnerAdded');
export const OwnerRemovedReply = z.object({ username: z.string(), removed: z.literal(true) }).openapi('OwnerRemoved');

export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export const AuditReply = z
  .object({
    name: z.string(),
    entries: z.array(
      z.object({
        id: Id,
        action: z.string(),
        version: z.string(),
        actor: z.object({ username: z.string(), user_id: z.string() }),
        token_id: z.string(),
        details: z.record(z.string(), z.unknown()),
        created_at: Timestamp,
      }),
    ),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('AuditTrail');
