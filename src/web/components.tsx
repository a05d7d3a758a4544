// Pieces several pages share: package lists, keyword tags, pagination.
import type { Child } from 'hono/jsx';
import { formatCompact, formatDate, formatNumber } from './format';

export const packageHref = (name: string, version?: string) =>
  version
    ? `/packages/${encodeURIComponent(name)}/${encodeURIComponent(version)}`
    : `/packages/${encodeURIComponent(name)}`;

export type ListItem = {
  name: string;
  version: string;
  description: string;
  downloads?: number;
  keywords?: string[];
  at?: string;
  /** Overrides the default "n downloads" line. */
  meta?: string;
};

export function PackageList(props: { items: ListItem[]; class?: string; empty?: Child }) {
  if (props.items.length === 0) return <p class="muted">{props.empty ?? 'Nothing here yet.'}</p>;
  return (
    <ul class={`pkg-list ${props.class ?? ''}`}>
      {props.items.map((item) => (
        <li>
          <a class="name" href={packageHref(item.name)}>
            {item.name}
          </a>{' '}
          <span class="meta">{item.version}</span>
          {item.description ? <p class="desc">{item.description}</p> : null}
          {item.keywords?.length ? <Tags values={item.keywords} label={`Keywords of ${item.name}`} /> : null}
          <div class="meta">
            {item.meta ??
              [
                item.downloads !== undefined ? `${formatCompact(item.downloads)} downloads` : '',
                item.at ? formatDate(item.at) : '',
              ]
                .filter(Boolean)
                .join(' · ')}
          </div>
        </li>
      ))}
    </ul>
  );
}

/** Keywords link to a search for them; categories to their listing. */
export function Tags(props: { values: string[]; label: string; kind?: 'keyword' | 'category' }) {
  return (
    <ul class="tags" aria-label={props.label}>
      {props.values.map((value) => (
        <li>
          <a
            href={
              props.kind === 'category'
                ? `/categories/${encodeURIComponent(value)}`
                : `/search?q=${encodeURIComponent(value)}`
            }
          >
            {value}
          </a>
        </li>
      ))}
    </ul>
  );
}

export function Pagination(props: { page: number; pages: number; href: (page: number) => string }) {
  if (props.pages <= 1) return null;
  return (
    <nav class="pagination" aria-label="Pages">
      {props.page > 1 ? (
        <a href={props.href(props.page - 1)} rel="prev">
          ← Previous
        </a>
      ) : null}
      <span>
        Page {formatNumber(props.page)} of {formatNumber(props.pages)}
      </span>
      {props.page < props.pages ? (
        <a href={props.href(props.page + 1)} rel="next">
          Next →
        </a>
      ) : null}
    </nav>
  );
}

/** A data table's header row; `actions` adds the last, visually hidden, "Actions" column. */
export function TableHead(props: { columns: string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column) => (
          <th scope="col">{column}</th>
        ))}
        {props.actions ? (
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        ) : null}
      </tr>
    </thead>
  );
}
