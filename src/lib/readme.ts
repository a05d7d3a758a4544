// README rendering, once, at publish: GitHub-flavoured Markdown to HTML that a
// page can embed as it is. Parsing and sanitising are unified's maintained
// pipeline (micromark + parse5 + hast-util-sanitize), never hand-written:
//
//   remark-parse + remark-gfm  Markdown (tables, task lists, autolinks, ~~, fences, footnotes)
//   remark-rehype + rehype-raw raw HTML kept and re-parsed by parse5 exactly as a browser
//                              would, so the sanitiser sees the tree the browser will build
//                              (GitHub keeps safe raw HTML too: centred logos, badges, <details>)
//   rehype-slug                heading ids, so `#install` links work
//   resolveUrls                relative links/images point into the repository or are dropped
//   rehype-sanitize            GitHub's allowlist (defaultSchema), tightened below; ids and
//                              names get the `user-content-` prefix
//   finishLinks                constant-only touches after sanitising: rel on every link
//
// Everything after the sanitiser only adds constant values, so nothing a
// README says can reach the output without passing the allowlist.
import type { Element, Root } from 'hast';
import rehypeRaw from 'rehype-raw';
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from 'rehype-sanitize';
import rehypeSlug from 'rehype-slug';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';

/**
 * Longer Markdown is cut here before rendering (the `readme` column keeps the
 * tarball reader's 512 KiB): micromark manages a few hundred KB/s of dense
 * Markdown, and publish should not spend seconds of CPU on one README.
 */
export const MAX_README_CHARS = 128 * 1024;

const CLOBBER_PREFIX = 'user-content-';
const LINK_REL = 'nofollow noopener noreferrer ugc';
const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const IMAGE_PROTOCOLS = new Set(['https:']);

/** Where relative links and images of a README point: the repository's default branch. */
export interface RepositoryBase {
  blob: string;
  raw: string;
}

const REPO_SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** GitHub and GitLab repositories only: those are the hosts whose file URLs we know. */
export function repositoryBase(repository: string | null | undefined): RepositoryBase | null {
  if (!repository) return null;
  let url: URL;
  try {
    url = new URL(repository);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  const segments = url.pathname.split('/').filter(Boolean);
  if (host === 'github.com') segments.splice(2);
  // GitLab groups nest (group/sub/project); "/-/" starts a page inside the project.
  else if (host === 'gitlab.com') segments.splice(segments.indexOf('-') >>> 0);
  else return null;
  const last = segments.length - 1;
  if (last >= 0) segments[last] = segments[last]?.replace(/\.git$/, '') ?? '';
  if (segments.length < 2 || !segments.every((s) => REPO_SEGMENT.test(s) && s !== '.' && s !== '..')) return null;
  const project = `https://${host}/${segments.join('/')}`;
  return host === 'github.com'
    ? { blob: `${project}/blob/HEAD/`, raw: `${project}/raw/HEAD/` }
    : { blob: `${project}/-/blob/HEAD/`, raw: `${project}/-/raw/HEAD/` };
}

/** A stand-in origin to resolve relative references against; never emitted. */
const PROBE_ORIGIN = 'https://readme.invalid';

type Target =
  | { kind: 'anchor'; fragment: string }
  | { kind: 'absolute'; url: URL }
  | { kind: 'relative'; path: string }
  | { kind: 'invalid' };

/**
 * What a link or image reference means to a browser. The WHATWG URL parser
 * decides, as the browser will (it drops tabs and newlines, trims control
 * characters: `java\tscript:` is javascript:), so no spelling slips past.
 */
function classify(reference: string): Target {
  let resolved: URL;
  try {
    resolved = new URL(reference, `${PROBE_ORIGIN}/`);
  } catch {
    return { kind: 'invalid' };
  }
  if (resolved.origin !== PROBE_ORIGIN || URL.canParse(reference)) return { kind: 'absolute', url: resolved };
  const path = `${resolved.pathname.slice(1)}${resolved.search}`;
  if (path === '' && /^[\0- ]*#/.test(reference.replace(/[\t\n\r]/g, ''))) {
    return { kind: 'anchor', fragment: resolved.hash.slice(1) };
  }
  return { kind: 'relative', path: `${path}${resolved.hash}` };
}

/** The href a link keeps, or null when it must become plain text. */
function linkHref(reference: string, repo: RepositoryBase | null): string | null {
  const target = classify(reference);
  switch (target.kind) {
    case 'anchor':
      // Ids are prefixed by the sanitiser; in-page links follow them.
      if (target.fragment === '') return '#';
      return target.fragment.startsWith(CLOBBER_PREFIX)
        ? `#${target.fragment}`
        : `#${CLOBBER_PREFIX}${target.fragment}`;
    case 'absolute':
      return LINK_PROTOCOLS.has(target.url.protocol) ? target.url.href : null;
    case 'relative':
      return repo ? `${repo.blob}${target.path}` : null;
    default:
      return null;
  }
}

/** The src an image keeps, or null when it must be removed. */
function imageSrc(reference: string, repo: RepositoryBase | null): string | null {
  const target = classify(reference);
  if (target.kind === 'absolute') return IMAGE_PROTOCOLS.has(target.url.protocol) ? target.url.href : null;
  if (target.kind === 'relative' && repo) return `${repo.raw}${target.path}`;
  return null;
}

const stringProp = (node: Element, name: string) => {
  const value = node.properties[name];
  return typeof value === 'string' ? value : null;
};

/** Links and images (Markdown's and raw HTML's alike) get absolute, allowed URLs or go. */
function resolveUrls(repo: RepositoryBase | null) {
  return (tree: Root) => {
    visit(tree, 'element', (node, index, parent) => {
      if (!parent || index === undefined) return;
      if (node.tagName === 'a' && 'href' in node.properties) {
        const href = linkHref(stringProp(node, 'href') ?? '', repo);
        if (href !== null) {
          node.properties.href = href;
          return;
        }
        // The text stays; revisit this index, which now holds the first child.
        parent.children.splice(index, 1, ...node.children);
        return index;
      }
      if (node.tagName === 'img') {
        const src = imageSrc(stringProp(node, 'src') ?? '', repo);
        if (src !== null) {
          node.properties.src = src;
          return;
        }
        parent.children.splice(index, 1);
        return index;
      }
      return;
    });
  };
}

/** Added after sanitising, constant values only. */
function finishLinks() {
  return (tree: Root) => {
    visit(tree, 'element', (node) => {
      if (node.tagName === 'a' && typeof node.properties.href === 'string') node.properties.rel = LINK_REL.split(' ');
      // An image its author gave no text is treated as decorative, not read out as a file name.
      if (node.tagName === 'img' && node.properties.alt == null) node.properties.alt = '';
      // GFM task-list boxes have no label of their own; screen readers need one (WCAG 4.1.2).
      if (node.tagName === 'input' && node.properties.type === 'checkbox') {
        node.properties.ariaLabel = node.properties.checked ? 'Done' : 'Not done';
      }
    });
  };
}

/**
 * GitHub's allowlist, tightened: href only http(s)/mailto (and in-page),
 * images only https, no srcset (it would bypass the image rule), fenced code
 * classes only a plain `language-<token>`. Elements whose text is code or
 * markup (style, svg, templates...) go with their contents instead of
 * leaving that text behind.
 */
const schema: SanitizeSchema = {
  ...defaultSchema,
  attributes: {
    ...defaultSchema.attributes,
    code: [['className', /^language-[\w+#.-]{1,40}$/]],
    source: [],
  },
  protocols: {
    ...defaultSchema.protocols,
    href: ['http', 'https', 'mailto'],
    src: ['https'],
  },
  strip: [
    'script',
    'style',
    'template',
    'textarea',
    'title',
    'noscript',
    'iframe',
    'noembed',
    'noframes',
    'xmp',
    'svg',
    'math',
  ],
};

/**
 * micromark (like cmark, md4c and pulldown-cmark before their fixes) takes
 * superlinear time on deep nesting: each line re-enters every open container,
 * so 500 nested list items or 1,000 nested `![` took tens of seconds here.
 * Such a README is shown as plain text instead, decided by this linear scan
 * before parsing. It only has to be conservative: a false alarm costs
 * formatting, never safety (the plain text goes through the same sanitiser).
 * Real READMEs nest a few levels; their cost stays far below the budget.
 */
const MAX_NESTING = 32;
const NESTING_BUDGET = 50_000;
/** Container prefix of a line: indentation, `>` and list markers, which all open nested blocks. */
const CONTAINER_PREFIX = /^(?:[ \t>]|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))*/;

export function nestsTooDeeply(markdown: string): boolean {
  let budget = NESTING_BUDGET;
  for (const paragraph of markdown.split(/\n[ \t]*\n/)) {
    for (const line of paragraph.split('\n')) {
      const prefix = (CONTAINER_PREFIX.exec(line)?.[0] ?? '').replaceAll('\t', '    ');
      // Two columns of indentation or one marker (`>`, `-`, `1.`) per level.
      const depth = Math.ceil(prefix.replace(/[-*+>]|\d+[.)]/g, '  ').length / 2);
      if (depth > MAX_NESTING) return true;
      if (depth > 4) budget -= depth * depth;
    }
    let brackets = 0;
    let parens = 0;
    for (let i = 0; i < paragraph.length; i++) {
      const c = paragraph[i];
      if (c === '\\') i++;
      else if (c === '[') brackets++;
      else if (c === ']') brackets = Math.max(0, brackets - 1);
      else if (c === '(') parens++;
      else if (c === ')') parens = Math.max(0, parens - 1);
      else continue;
      const depth = Math.max(brackets, parens);
      if (depth > MAX_NESTING) return true;
      if (depth > 4) budget -= depth * depth;
    }
    if (budget < 0) return true;
  }
  return false;
}

export interface RenderedReadme {
  html: string;
  /** How the Markdown was shown: rendered, or as plain text because it nests too deeply or is too long. */
  mode: 'markdown' | 'plain';
  truncated: boolean;
}

const markdownPipeline = (repo: RepositoryBase | null) =>
  unified()
    .use(remarkParse)
    .use(remarkGfm)
    // Footnote ids unprefixed here: the sanitiser prefixes every id once.
    .use(remarkRehype, { allowDangerousHtml: true, clobberPrefix: '' })
    .use(rehypeRaw)
    .use(rehypeSlug)
    .use(resolveUrls, repo)
    .use(rehypeSanitize, schema)
    .use(finishLinks)
    .use(rehypeStringify);

/** The text in one <pre>: linear whatever the input, and still through the sanitiser. */
function plainText(text: string): string {
  const processor = unified().use(remarkRehype).use(rehypeSanitize, schema).use(rehypeStringify);
  const tree = processor.runSync({ type: 'root', children: [{ type: 'code', value: text }] });
  return processor.stringify(tree);
}

const note = (text: string) => `<p><em>${text}</em></p>`;

/** The README as sanitised HTML. Pure and synchronous: same Markdown and repository, same HTML. */
export function renderReadme(markdown: string, repository?: string | null): RenderedReadme {
  const truncated = markdown.length > MAX_README_CHARS;
  const source = truncated ? markdown.slice(0, MAX_README_CHARS) : markdown;
  const tail = truncated
    ? `\n${note(`This README is longer than ${MAX_README_CHARS / 1024} KiB; the rest is not shown.`)}`
    : '';
  if (!nestsTooDeeply(source)) {
    try {
      const html = String(markdownPipeline(repositoryBase(repository)).processSync(source));
      return { html: html + tail, mode: 'markdown', truncated };
    } catch (err) {
      // Deep raw HTML (thousands of nested <div>) overflows the stack of the
      // recursive tree walks; that README is shown as text like the others.
      if (!(err instanceof RangeError)) throw err;
    }
  }
  const html = `${note('This README nests too deeply to render; it is shown as plain text.')}\n${plainText(source)}`;
  return { html: html + tail, mode: 'plain', truncated };
}
