// Reply shapes shared by the package routes: strings never null, counts as numbers.

import { sortVersions } from '../lib/versions';
import type { PackageRow, VersionRow } from '../services/packages';

export const downloadUrl = (requestUrl: string, name: string, version: string) =>
  `${new URL(requestUrl).origin}/api/v1/packages/${name}/${version}/download`;

export function packageView(row: PackageRow) {
  const all = sortVersions(row.versions);
  return {
    name: row.name,
    description: row.description,
    latest_version: row.latest_version,
    versions: all.filter((v) => !v.yanked).map((v) => v.version),
    yanked_versions: all.filter((v) => v.yanked).map((v) => v.version),
    owner: row.owner ?? { username: '', user_id: '' },
    license: row.license,
    repository: row.repository,
    homepage: row.homepage,
    keywords: row.keywords,
    categories: row.categories,
    readme: row.readme,
    downloads_total: Number(row.downloads_total),
    downloads_last_month: Number(row.downloads_last_month),
    created_at: row.created_at,
    updated_at: row.updated_at,
    // Only when deprecated: a present key means deprecated, so no null ever reaches the CLI.
    ...(row.deprecated ? { deprecated: row.deprecated } : {}),
  };
}

export function versionView(row: VersionRow, requestUrl: string) {
  return {
    name: row.name,
    version: row.version,
    description: row.description,
    authors: row.authors,
    license: row.license,
    repository: row.repository,
    homepage: row.homepage,
    keywords: row.keywords,
    categories: row.categories,
    dependencies: row.dependencies,
    dev_dependencies: row.dev_dependencies,
    published_at: row.published_at,
    download_url: downloadUrl(requestUrl, row.name, row.version),
    checksum: row.checksum,
    size_bytes: Number(row.size_bytes),
    downloads: Number(row.downloads),
    yanked: row.yanked,
    yanked_at: row.yanked_at,
    // The publisher's username; "" once their account is gone (never null: the CLI reads strings strictly).
    published_by: row.published_by,
    // Where a trusted-publishing CI run built it; null for an ordinary publish.
    provenance: row.provenance ?? null,
  };
}
