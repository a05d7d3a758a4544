// `/`: the search box, registry totals, four package lists and the categories.
import type { Category } from '../../services/categories';
import type { HomePageData } from '../../services/web-pages';
import { PackageList } from '../components';
import { formatCompact, formatNumber } from '../format';
import { Layout, SearchForm, SITE_NAME } from '../layout';
import { CategoryGrid } from './categories';

export function HomePage(props: { data: HomePageData; categories: readonly Category[] }) {
  const { stats, trending, ...lists } = props.data;
  return (
    <Layout title={SITE_NAME} headerSearch={false} description="Packages for the Raven language.">
      <section class="hero" aria-labelledby="hero-title">
        <h1 id="hero-title">The Raven package registry</h1>
        <p class="muted">
          Find, install and publish packages with <code>raven pkg</code>.
        </p>
        <SearchForm id="home-q" large />
      </section>
      <section aria-labelledby="totals-title">
        <h2 id="totals-title" class="visually-hidden">
          Registry totals
        </h2>
        <ul class="stats" id="totals">
          {(
            [
              [stats.total_packages, 'packages'],
              [stats.total_versions, 'versions'],
              [stats.total_downloads, 'downloads'],
              [stats.total_users, 'users'],
            ] as const
          ).map(([count, what]) => (
            <li>
              <strong>{formatNumber(count)}</strong> {what}
            </li>
          ))}
        </ul>
      </section>
      <div class="columns">
        <section aria-labelledby="new-title" id="new-packages">
          <h2 id="new-title">New packages</h2>
          <PackageList items={lists.newest} />
        </section>
        <section aria-labelledby="updated-title" id="recently-updated">
          <h2 id="updated-title">Recently updated</h2>
          <PackageList items={lists.updated} />
        </section>
        <section aria-labelledby="popular-title" id="most-downloaded">
          <h2 id="popular-title">Most downloaded</h2>
          <PackageList items={lists.most_downloaded.map((p) => ({ ...p, at: undefined }))} />
        </section>
        <section aria-labelledby="trending-title" id="trending">
          <h2 id="trending-title">Trending this week</h2>
          <PackageList
            items={trending.map((p) => ({
              ...p,
              meta: `${formatCompact(p.downloads_period)} downloads this week`,
            }))}
            empty="No downloads this week yet."
          />
        </section>
      </div>
      <section aria-labelledby="categories-title">
        <h2 id="categories-title">Categories</h2>
        <CategoryGrid categories={props.categories} />
      </section>
    </Layout>
  );
}
