// The site's frame: head, skip link, header (brand, nav, search, the sign-in
// slot), main landmark and footer. Every page renders inside it.

import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { ASSET_URLS } from '../generated/assets';

export const SITE_NAME = 'Raven';

export function SearchForm(props: { q?: string; id: string; large?: boolean }) {
  return (
    <search>
      <form class="search-form" action="/search" method="get">
        <label for={props.id} class="visually-hidden">
          Search packages
        </label>
        <input id={props.id} type="search" name="q" value={props.q ?? ''} placeholder="Search packages" />
        <button type="submit">Search</button>
      </form>
    </search>
  );
}

/** The signed-in person, on pages that know (account pages are never cached, so they may). */
export interface Viewer {
  username: string;
  csrf: string;
}

/** The header's account slot: "Sign in" for everyone on cached public pages, the person on account pages. */
function AccountSlot(props: { viewer?: Viewer }) {
  if (!props.viewer) return <a href="/login">Sign in</a>;
  return (
    <>
      <a href="/account">{props.viewer.username}</a>
      <form class="inline-form" action="/logout" method="post">
        <input type="hidden" name="csrf" value={props.viewer.csrf} />
        <button type="submit" class="link-button">
          Sign out
        </button>
      </form>
    </>
  );
}

const MAIN_LINKS: [string, string][] = [
  ['/categories', 'Categories'],
  ['/docs', 'API'],
];
const FOOTER_LINKS: [string, string][] = [
  ['/', 'Home'],
  ['/categories', 'Categories'],
  ['/docs', 'API reference'],
];

function LinkList(props: { links: [string, string][] }) {
  return (
    <ul>
      {props.links.map(([href, label]) => (
        <li>
          <a href={href}>{label}</a>
        </li>
      ))}
    </ul>
  );
}

export function Layout(props: {
  title: string;
  viewer?: Viewer;
  description?: string;
  q?: string;
  /** The home page has its own big search box; the header's would repeat it. */
  headerSearch?: boolean;
  scripts?: string[];
  styles?: string[];
  children: Child;
}) {
  const title = props.title === SITE_NAME ? `${SITE_NAME} package registry` : `${props.title} · ${SITE_NAME}`;
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{title}</title>
          {props.description ? <meta name="description" content={props.description} /> : null}
          <meta name="color-scheme" content="light dark" />
          <link rel="icon" type="image/svg+xml" href={ASSET_URLS['favicon.svg']} />
          {(props.styles ?? []).map((href) => (
            <link rel="stylesheet" href={href} />
          ))}
          <link rel="stylesheet" href={ASSET_URLS['site.css']} />
          {(props.scripts ?? []).map((src) => (
            <script src={src} defer />
          ))}
        </head>
        <body>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="site-header">
            <div class="wrap">
              <a class="brand" href="/">
                <img src={ASSET_URLS['favicon.svg']} alt="" width="28" height="28" />
                {SITE_NAME}
              </a>
              <nav class="site-nav" aria-label="Main">
                <LinkList links={MAIN_LINKS} />
              </nav>
              {props.headerSearch === false ? null : (
                <div class="header-search">
                  <SearchForm id="header-q" q={props.q} />
                </div>
              )}
              <div class="account" id="account">
                <AccountSlot viewer={props.viewer} />
              </div>
            </div>
          </header>
          <main id="main" tabindex={-1}>
            <div class="wrap">{props.children}</div>
          </main>
          <footer class="site-footer">
            <div class="wrap">
              <LinkList links={FOOTER_LINKS} />
            </div>
          </footer>
        </body>
      </html>
    </>
  );
}
