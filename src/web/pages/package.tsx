// `/packages/:name` and `/packages/:name/:version`: README (stored sanitised
// HTML, inserted as is), install line, metadata sidebar, downloads chart, and
// tabs (plain links) for versions, dependencies and dependents.
import { ASSET_URLS } from '../../generated/assets';
import type { Provenance } from '../../lib/trusted-claims';
import { sortVersions } from '../../lib/versions';
import type { PackagePageRow } from '../../services/web-pages';
import { DownloadsChart } from '../chart';
import { PackageList, packageHref, TableHead, Tags } from '../components';
import { formatBytes, formatDate, formatNumber, plural, requirementOf, safeUrl } from '../format';
import { Layout } from '../layout';
import { reportHref } from './reports';

export const TABS = ['readme', 'versions', 'dependencies', 'dependents'] as const;
export type Tab = (typeof TABS)[number];

type Version = NonNullable<PackagePageRow['version']>;
const REL = 'nofollow noopener ugc';

function ExternalLink(props: { url: string }) {
  const href = safeUrl(props.url);
  if (!href) return <>{props.url}</>;
  return (
    <a href={href} rel={REL}>
      {href.replace(/^https?:\/\//, '').replace(/\/$/, '')}
    </a>
  );
}

function Banners(props: { pkg: PackagePageRow; version: Version }) {
  const { pkg, version } = props;
  return (
    <>
      {pkg.deprecated ? (
        <div class="banner" role="note" id="deprecated-banner">
          <strong>{pkg.name} is deprecated</strong> (since {formatDate(pkg.deprecated.deprecated_at)}).
          {pkg.deprecated.message ? <p>{pkg.deprecated.message}</p> : null}
        </div>
      ) : null}
      {version.yanked ? (
        <div class="banner danger" role="note" id="yanked-banner">
          <strong>Version {version.version} has been yanked</strong>
          {version.yanked_at ? ` (${formatDate(version.yanked_at)})` : ''}. It stays downloadable for existing
          lockfiles, but new installs will not pick it.
          {pkg.latest_version ? (
            <p>
              The latest version is <a href={packageHref(pkg.name, pkg.latest_version)}>{pkg.latest_version}</a>.
            </p>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

function TabLinks(props: { base: string; tab: Tab; pkg: PackagePageRow; version: Version }) {
  const deps = Object.keys(props.version.dependencies).length + Object.keys(props.version.dev_dependencies).length;
  const labels: Record<Tab, string> = {
    readme: 'Readme',
    versions: `Versions (${formatNumber(props.pkg.versions.length)})`,
    dependencies: `Dependencies (${formatNumber(deps)})`,
    dependents: `Dependents (${formatNumber(props.pkg.dependents_total)})`,
  };
  return (
    <nav aria-label="Package sections">
      <ul class="tabs">
        {TABS.map((t) => (
          <li>
            <a
              href={t === 'readme' ? props.base : `${props.base}?tab=${t}`}
              aria-current={t === props.tab ? 'page' : undefined}
            >
              {labels[t]}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Readme(props: { html: string | null }) {
  if (!props.html)
    return (
      <p class="empty" id="no-readme">
        This version has no README.
      </p>
    );
  // Sanitised once at publish (DESIGN: unified + rehype-sanitize); never rendered per request.
  return <article class="readme" id="readme" dangerouslySetInnerHTML={{ __html: props.html }} />;
}

function Versions(props: { pkg: PackagePageRow; current: string }) {
  const rows = sortVersions(props.pkg.versions).reverse();
  return (
    <table class="data" id="versions">
      <caption class="visually-hidden">All versions of {props.pkg.name}, newest first</caption>
      <TableHead columns={['Version', 'Published', 'Downloads']} />
      <tbody>
        {rows.map((v) => (
          <tr>
            <td>
              <a
                href={packageHref(props.pkg.name, v.version)}
                aria-current={v.version === props.current ? 'true' : undefined}
              >
                {v.version}
              </a>{' '}
              {v.yanked ? <span class="badge yanked">yanked</span> : null}{' '}
              {v.prerelease ? <span class="badge pre">pre-release</span> : null}
            </td>
            <td>
              <time datetime={v.published_at}>{formatDate(v.published_at)}</time>
            </td>
            <td>{formatNumber(Number(v.downloads))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DependencyList(props: { deps: Record<string, unknown>; id: string; empty: string }) {
  const names = Object.keys(props.deps).sort();
  if (names.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <ul class="pkg-list" id={props.id}>
      {names.map((name) => (
        <li>
          <a class="name" href={packageHref(name)}>
            {name}
          </a>{' '}
          <code>{requirementOf(props.deps[name])}</code>
        </li>
      ))}
    </ul>
  );
}

function Sidebar(props: { pkg: PackagePageRow; version: Version }) {
  const { pkg, version } = props;
  const spec = `${pkg.name}@^${version.version}`;
  const install = `raven pkg add ${spec}`;
  return (
    <aside class="sidebar" aria-label="Package details">
      <section>
        <h2>Install</h2>
        <div class="install">
          {/* The spec is one unit: wrap before it rather than at the hyphen inside a name. */}
          <code id="install-command">
            raven pkg add <span class="spec">{spec}</span>
          </code>
          <button type="button" data-copy={install} hidden>
            Copy
          </button>
        </div>
      </section>
      <section>
        <h2>Metadata</h2>
        <dl>
          <dt>Version</dt>
          <dd>
            {version.version}
            {version.version === pkg.latest_version ? ' (latest)' : ''}
          </dd>
          <dt>Published</dt>
          <dd>
            <time datetime={version.published_at}>{formatDate(version.published_at)}</time>
            {version.published_by ? (
              <>
                {' by '}
                <a href={`/users/${version.published_by}`} id="published-by">
                  {version.published_by}
                </a>
              </>
            ) : null}
          </dd>
          {version.provenance ? <ProvenanceBadge provenance={version.provenance} /> : null}
          {version.license ? (
            <>
              <dt>License</dt>
              <dd>{version.license}</dd>
            </>
          ) : null}
          {(
            [
              ['Repository', version.repository],
              ['Homepage', version.homepage],
            ] as const
          ).map(([term, url]) =>
            url ? (
              <>
                <dt>{term}</dt>
                <dd>
                  <ExternalLink url={url} />
                </dd>
              </>
            ) : null,
          )}
          <dt>Size</dt>
          <dd>{formatBytes(version.size_bytes)}</dd>
          <dt>Downloads</dt>
          <dd>
            {formatNumber(pkg.downloads)} total, {formatNumber(Number(version.downloads))} this version
          </dd>
        </dl>
        <p class="checksum" id="checksum">
          {version.checksum}
        </p>
      </section>
      {version.keywords.length ? (
        <section>
          <h2>Keywords</h2>
          <Tags values={version.keywords} label="Keywords" />
        </section>
      ) : null}
      {version.categories.length ? (
        <section>
          <h2>Categories</h2>
          <Tags values={version.categories} label="Categories" kind="category" />
        </section>
      ) : null}
      <section>
        <h2>Owners</h2>
        <ul class="pkg-list" id="owners">
          {pkg.owners.map((o) => (
            <li>
              <a href={`/users/${o.username}`}>{o.username}</a>
              {o.role === 'maintainer' ? <span class="muted"> (maintainer)</span> : null}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h2>Downloads, last 90 days</h2>
        <DownloadsChart daily={pkg.daily} today={new Date()} />
      </section>
      <section>
        <h2>Something wrong?</h2>
        <p>
          <a
            href={`${reportHref(pkg.name)}?version=${encodeURIComponent(version.version)}`}
            id="report-link"
            rel="nofollow"
          >
            Report {pkg.name} to the registry’s operators
          </a>
        </p>
      </section>
    </aside>
  );
}

export function PackagePage(props: { pkg: PackagePageRow; version: Version; tab: Tab; pinned: boolean }) {
  const { pkg, version, tab } = props;
  const base = props.pinned ? packageHref(pkg.name, version.version) : packageHref(pkg.name);
  const description = version.description || pkg.description;
  return (
    <Layout
      title={props.pinned ? `${pkg.name} ${version.version}` : pkg.name}
      description={description}
      scripts={[ASSET_URLS['copy.js']]}
    >
      <div class="pkg-head">
        <h1>{pkg.name}</h1>
        <span class="version">{version.version}</span>
        {version.yanked ? <span class="badge yanked">yanked</span> : null}
        {version.prerelease ? <span class="badge pre">pre-release</span> : null}
        {pkg.deprecated ? <span class="badge yanked">deprecated</span> : null}
      </div>
      {description ? <p id="description">{description}</p> : null}
      <Banners pkg={pkg} version={version} />
      <div class="pkg-layout">
        <div>
          <TabLinks base={base} tab={tab} pkg={pkg} version={version} />
          <div class="tab-panel" id="tab-panel">
            {tab === 'readme' ? <Readme html={version.readme_html} /> : null}
            {tab === 'versions' ? <Versions pkg={pkg} current={version.version} /> : null}
            {tab === 'dependencies' ? (
              <>
                <h2>Dependencies</h2>
                <DependencyList deps={version.dependencies} id="dependencies" empty="No dependencies." />
                <h2>Development dependencies</h2>
                <DependencyList
                  deps={version.dev_dependencies}
                  id="dev-dependencies"
                  empty="No development dependencies."
                />
              </>
            ) : null}
            {tab === 'dependents' ? (
              <>
                <h2>Dependents</h2>
                <p class="muted">
                  {plural(pkg.dependents_total, 'package')} whose latest version depends on {pkg.name}
                  {pkg.dependents_total > pkg.dependents.length
                    ? `; the ${pkg.dependents.length} most downloaded are shown`
                    : ''}
                  .
                </p>
                <PackageList items={pkg.dependents} empty="No package depends on this one yet." />
              </>
            ) : null}
          </div>
        </div>
        <Sidebar pkg={pkg} version={version} />
      </div>
    </Layout>
  );
}

/** "Built and published from owner/repo@sha by workflow", linking to the CI run. */
function ProvenanceBadge(props: { provenance: Provenance }) {
  const p = props.provenance;
  const run = safeUrl(p.run_url);
  const text = `Built and published from ${p.repository}@${p.sha.slice(0, 7)} by ${p.workflow}`;
  return (
    <>
      <dt>Provenance</dt>
      <dd class="provenance" id="provenance">
        {run ? (
          <a href={run} rel="nofollow noopener ugc">
            {text}
          </a>
        ) : (
          text
        )}
      </dd>
    </>
  );
}
