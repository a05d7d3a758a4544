// `/categories` and `/categories/:c`.
import { CATEGORIES, type Category, type CategoryPackage } from '../../services/categories';
import { PackageList, Pagination } from '../components';
import { plural } from '../format';
import { Layout } from '../layout';

const CATEGORY_BLURBS: Record<Category, string> = {
  ui: 'Widgets, layout and rendering',
  http: 'Clients, servers and routing',
  database: 'Drivers, query builders, migrations',
  testing: 'Test runners, assertions, fixtures',
  utilities: 'Small helpers for everyday code',
  frameworks: 'Foundations to build applications on',
  tools: 'Command-line and build tooling',
};

/** Every category as a card: its name and what it holds. */
export function CategoryGrid(props: { categories: readonly Category[]; id?: string }) {
  return (
    <ul class="category-grid" id={props.id}>
      {props.categories.map((c) => (
        <li>
          <a href={`/categories/${c}`}>
            <strong>{c}</strong>
            <span>{CATEGORY_BLURBS[c]}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

export function CategoriesPage() {
  return (
    <Layout title="Categories" description="Browse Raven packages by category.">
      <h1>Categories</h1>
      <p class="muted">A package belongs to a category when its manifest lists it in categories or keywords.</p>
      <CategoryGrid categories={CATEGORIES} id="categories" />
    </Layout>
  );
}

export function CategoryPage(props: {
  category: Category;
  total: number;
  packages: CategoryPackage[];
  page: number;
  pages: number;
}) {
  return (
    <Layout title={`Category: ${props.category}`} description={CATEGORY_BLURBS[props.category]}>
      <p class="muted">
        <a href="/categories">Categories</a> /
      </p>
      <h1>{props.category}</h1>
      <p class="muted">
        {CATEGORY_BLURBS[props.category]} · {plural(props.total, 'package')}
      </p>
      <PackageList
        class="results"
        items={props.packages}
        empty={
          <>
            No packages in this category yet. Add <code>categories = ["{props.category}"]</code> to a package's
            raven.toml to list it here.
          </>
        }
      />
      <Pagination page={props.page} pages={props.pages} href={(p) => `/categories/${props.category}?page=${p}`} />
    </Layout>
  );
}
