// What sanitised README HTML may contain, checked by parsing it as a browser
// would: elements on the allowlist only, no handlers or styles, URLs with
// allowed schemes only, prefixed ids, rel on every link.
import type { Element, Root } from 'hast';
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';

const ALLOWED = new Set(
  'a b blockquote br code dd del details div dl dt em h1 h2 h3 h4 h5 h6 hr i img input ins kbd li ol p picture pre q rp rt ruby s samp section source span strike strong sub summary sup table tbody td tfoot th thead tr tt ul var'.split(
    ' ',
  ),
);
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'cite',
  'longDesc',
  'srcSet',
  'action',
  'formAction',
  'poster',
  'background',
]);

/** Parses the output as a browser would and lists every rule it breaks. */
export function violations(html: string): string[] {
  const tree: Root = unified().use(rehypeParse, { fragment: true }).parse(html);
  const found: string[] = [];
  visit(tree, 'element', (el: Element) => {
    if (!ALLOWED.has(el.tagName)) found.push(`element <${el.tagName}>`);
    if (el.tagName === 'input' && !(el.properties.disabled && el.properties.type === 'checkbox'))
      found.push('live input');
    for (const [name, value] of Object.entries(el.properties)) {
      if (/^on/i.test(name)) found.push(`handler ${name}`);
      if (name === 'style') found.push('style attribute');
      if (name === 'id' || name === 'name') {
        if (!String(value).startsWith('user-content-')) found.push(`unprefixed ${name}=${value}`);
      }
      if (!URL_ATTRIBUTES.has(name)) continue;
      const url = String(value);
      if (name === 'srcSet') found.push('srcset');
      if (url.startsWith('#')) continue;
      const protocol = URL.canParse(url) ? new URL(url).protocol : 'relative';
      const allowed = el.tagName === 'img' ? ['https:'] : ['http:', 'https:', 'mailto:'];
      if (!allowed.includes(protocol)) found.push(`${name}=${url}`);
    }
    if (el.tagName === 'a' && el.properties.href !== undefined) {
      if (String(el.properties.rel) !== 'nofollow noopener noreferrer ugc'.split(' ').join(','))
        found.push('link without rel');
    }
  });
  return found;
}
