// `/search?q=&page=`: the API's ranking, paginated.
import type { SearchHit } from '../../services/search';
import { PackageList, Pagination } from '../components';
import { plural } from '../format';
import { Layout } from '../layout';

export function SearchPage(props: { q: string; total: number; results: SearchHit[]; page: number; pages: number }) {
  const { q } = props;
  return (
    <Layout title={q ? `Search: ${q}` : 'Search'} q={q}>
      <h1>{q ? <>Results for “{q}”</> : 'Search packages'}</h1>
      {!q ? (
        <p class="empty">Type a package name, a keyword or a few words from a description.</p>
      ) : props.total === 0 ? (
        <div class="empty" id="no-results">
          <p>
            <strong>No packages match “{q}”.</strong>
          </p>
          <p>Try fewer or shorter words, check the spelling, or browse by category instead:</p>
          <p>
            <a href="/categories">Browse categories</a>
          </p>
        </div>
      ) : (
        <>
          <p class="muted" id="result-count">
            {plural(props.total, 'package')} found
          </p>
          <PackageList class="results" items={props.results} />
          <Pagination
            page={props.page}
            pages={props.pages}
            href={(p) => `/search?q=${encodeURIComponent(q)}&page=${p}`}
          />
        </>
      )}
    </Layout>
  );
}
