// README rendering: GFM features survive, and no XSS payload does. Runs inside
// workerd, so it also proves the pipeline needs no eval or wasm compilation.
import { describe, expect, it } from 'vitest';
import { MAX_README_CHARS, nestsTooDeeply, renderReadme, repositoryBase } from '../../src/lib/readme';
import { violations } from '../helpers/html-safety';

const GITHUB = 'https://github.com/acme/widgets';
const render = (md: string, repo: string | null = GITHUB) => renderReadme(md, repo).html;

// Based on the OWASP XSS filter-evasion cheat sheet, plus Markdown's own ways in.
const XSS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>',
  '<ScRiPt>alert(1)</sCrIpT>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<script/xss src="https://xss.example/x.js"></script>',
  '<<SCRIPT>alert("XSS");//<</SCRIPT>',
  '<script src=//xss.example/.j>',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC="javascript:alert(\'XSS\');">',
  '<IMG SRC=JaVaScRiPt:alert(1)>',
  '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>',
  '<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>',
  '<IMG SRC="jav\tascript:alert(1);">',
  '<IMG SRC="jav&#x09;ascript:alert(1);">',
  '<IMG SRC="jav&#x0A;ascript:alert(1);">',
  '<IMG SRC=" &#14;  javascript:alert(1);">',
  '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
  '<IMG SRC=# onmouseover="alert(1)">',
  '<IMG onmouseover="alert(1)">',
  '<IMG DYNSRC="javascript:alert(1)">',
  '<IMG LOWSRC="javascript:alert(1)">',
  '<img src="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href="java&#x0D;script:alert(1)">x</a>',
  '<a href=" javascript:alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<a href="https://ok.example" onclick="alert(1)">x</a>',
  '<a href="https://ok.example" style="position:fixed;top:0">x</a>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<BODY ONLOAD=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<IFRAME SRC=# onmouseover="alert(1)"></IFRAME>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="https://xss.example/x.swf">',
  '<base href="javascript:alert(1)//">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel="stylesheet" href="javascript:alert(1)">',
  '<style>@import "javascript:alert(1)";</style>',
  '<div style="width: expression(alert(1));">x</div>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<form action="javascript:alert(1)"><input type="submit"></form>',
  '<input type="text" autofocus onfocus=alert(1)>',
  '<input type="checkbox" onclick=alert(1)>',
  '<button formaction="javascript:alert(1)">x</button>',
  '<details open ontoggle=alert(1)>',
  '<video><source onerror=alert(1)></video>',
  '<TABLE BACKGROUND="javascript:alert(1)">',
  '<TD BACKGROUND="javascript:alert(1)">',
  '<DIV STYLE="background-image: url(&#1;javascript:alert(1))">',
  '<div id="__proto__" name="location">clobber</div>',
  '<img src="x` `<script>alert(1)</script>"` `>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<template><script>alert(1)</script></template>',
  '<textarea><script>alert(1)</script></textarea>',
  '<a href="https://ok.example"<img src=x onerror=alert(1)>',
  '<p <script>alert(1)</script>',
  '<div><img src=x onerror=alert(1)',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](java&#x09;script:alert(1))',
  '[x](<javascript:alert(1)>)',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html,<script>alert(1)</script>)',
  '![x](javascript:alert(1))',
  '![x](data:image/png;base64,AAAA)',
  '![x](http://insecure.example/a.png)',
  '[x](https://ok.example "title\\" onmouseover=\\"alert(1))',
  '[x](https://ok.example "a"onmouseover="alert(1)")',
  '![x](https://ok.example/a.png"onerror="alert(1))',
  '<javascript:alert(1)>',
  '<vbscript:alert(1)>',
  '[ref]\n\n[ref]: javascript:alert(1)',
  '![ref]\n\n[ref]: javascript:alert(1)',
  '[ref][r]\n\n[r]: <javascript:alert(1)> "t"',
  '<div>\n\n[x](javascript:alert(1))\n\n</div>',
  '<details><summary>s</summary>\n\n<img src=x onerror=alert(1)>\n\n</details>',
  '<a href="javascript:alert(1)">[x](https://ok.example)</a>',
  '```js"><script>alert(1)</script>\ncode\n```',
  '```<img src=x onerror=alert(1)>\ncode\n```',
  '`<script>alert(1)</script>`',
  '- [ ] <input type="checkbox" onclick="alert(1)">',
  '<h1 id="x" onclick="alert(1)">x</h1>',
];

describe('README rendering against XSS', () => {
  it.each(XSS)('neutralises %s', (payload) => {
    const html = render(payload);
    expect(violations(html)).toEqual([]);
    // Payload text may stay as text (escaped); never as markup.
    expect(html).not.toMatch(/<(script|iframe|object|embed|svg|style|base|meta|form)/i);
  });

  it('neutralises the whole corpus in one README, with or without a repository', () => {
    for (const repo of [GITHUB, null]) expect(violations(render(XSS.join('\n\n'), repo))).toEqual([]);
  });

  it('the checker itself catches what it must (so the corpus test can fail)', () => {
    expect(
      violations('<script>x</script><a href="javascript:alert(1)">x</a><img src="http://a/b" onerror="x">').sort(),
    ).toEqual(
      ['element <script>', 'href=javascript:alert(1)', 'link without rel', 'handler onError', 'src=http://a/b'].sort(),
    );
  });
});

describe('README rendering of GitHub-flavoured Markdown', () => {
  it('renders tables, task lists, strikethrough, autolinks and fenced code', () => {
    const html = render(
      '| a | b |\n|---|---|\n| 1 | 2 |\n\n- [ ] todo\n- [x] done\n\n~~gone~~ www.example.com\n\n```rust\nfn main() {}\n```',
    );
    expect(html).toContain('<table>');
    expect(html).toContain('<td>1</td>');
    expect(html).toContain('<input type="checkbox" disabled aria-label="Not done">');
    expect(html).toContain('<input type="checkbox" checked disabled aria-label="Done">');
    expect(html).toContain('<del>gone</del>');
    expect(html).toContain(
      '<a href="http://www.example.com/" rel="nofollow noopener noreferrer ugc">www.example.com</a>',
    );
    expect(html).toContain('<pre><code class="language-rust">fn main() {}\n</code></pre>');
  });

  it('keeps a language class only when it is a plain token', () => {
    expect(render('```c++\nx\n```')).toContain('class="language-c++"');
    expect(render('```a"b\nx\n```')).not.toContain('language-');
  });

  it('gives headings prefixed ids and rewrites in-page links to match', () => {
    const html = render('# Getting Started\n\n[go](#getting-started) [same](#user-content-getting-started)');
    expect(html).toContain('<h1 id="user-content-getting-started">Getting Started</h1>');
    expect(html.match(/href="#user-content-getting-started"/g)).toHaveLength(2);
  });

  it('links footnotes to their prefixed ids', () => {
    const html = render('A note[^1].\n\n[^1]: The note.');
    expect(html).toContain('href="#user-content-fn-1"');
    expect(html).toContain('id="user-content-fn-1"');
  });

  it('keeps safe raw HTML, as GitHub does', () => {
    const html = render(
      '<p align="center"><img src="https://img.example/logo.png" alt="logo"></p>\n\n<details><summary>More</summary>\n\nHidden\n\n</details>',
    );
    expect(html).toContain('<p align="center"><img src="https://img.example/logo.png" alt="logo"></p>');
    expect(html).toContain('<details><summary>More</summary>');
  });
});

describe('relative links and images', () => {
  const md = '[guide](docs/guide.md) [up](../../etc/passwd) ![logo](./img/logo.png) <img src="/raw.svg">';

  it('point into a GitHub repository', () => {
    const html = render(md, 'https://github.com/acme/widgets.git');
    expect(html).toContain('href="https://github.com/acme/widgets/blob/HEAD/docs/guide.md"');
    expect(html).toContain('href="https://github.com/acme/widgets/blob/HEAD/etc/passwd"');
    expect(html).toContain('src="https://github.com/acme/widgets/raw/HEAD/img/logo.png"');
    expect(html).toContain('src="https://github.com/acme/widgets/raw/HEAD/raw.svg"');
  });

  it('point into a GitLab project, subgroups included', () => {
    const html = render(md, 'https://gitlab.com/acme/tools/widgets/-/tree/main');
    expect(html).toContain('href="https://gitlab.com/acme/tools/widgets/-/blob/HEAD/docs/guide.md"');
    expect(html).toContain('src="https://gitlab.com/acme/tools/widgets/-/raw/HEAD/img/logo.png"');
  });

  it('are dropped elsewhere: the link becomes text, the image goes', () => {
    for (const repo of ['https://example.com/acme/widgets', null]) {
      const html = render(md, repo);
      expect(html).toBe('<p>guide up  </p>');
    }
  });

  it('knows only GitHub and GitLab repository URLs', () => {
    expect(repositoryBase('https://www.github.com/a/b/tree/main')?.blob).toBe('https://github.com/a/b/blob/HEAD/');
    expect(repositoryBase('https://github.com/a')).toBeNull();
    expect(repositoryBase('https://github.com.evil.example/a/b')).toBeNull();
    expect(repositoryBase('not a url')).toBeNull();
  });
});

describe('README rendering limits', () => {
  const timed = (md: string) => {
    const started = Date.now();
    const result = renderReadme(md, GITHUB);
    return { ...result, ms: Date.now() - started };
  };

  it.each([
    ['10,000 nested blockquotes', `${'>'.repeat(10_000)} deep`],
    ['10,000 open brackets', `${'['.repeat(10_000)}a${']'.repeat(10_000)}(b)`],
    ['nested images', `${'!['.repeat(2_000)}a${'](b)'.repeat(2_000)}`],
    ['a staircase of nested lists', Array.from({ length: 2_000 }, (_, i) => `${'  '.repeat(i)}- x`).join('\n')],
    ['list markers nested on every line', Array.from({ length: 5_000 }, () => `${'- '.repeat(30)}x`).join('\n')],
  ])('shows %s as plain text, quickly', (_, md) => {
    const out = timed(md);
    expect(out.mode).toBe('plain');
    expect(out.ms).toBeLessThan(5_000);
    expect(violations(out.html)).toEqual([]);
    expect(out.html).toContain('nests too deeply');
  });

  it.each([
    ['100,000 backticks', '`'.repeat(100_000)],
    ['thousands of unclosed raw <div>', '<div>'.repeat(5_000)],
  ])('renders %s without overflowing or stalling', (_, md) => {
    const out = timed(md);
    expect(out.ms).toBeLessThan(10_000);
    expect(violations(out.html)).toEqual([]);
  });

  it('truncates an overlong README with a note', () => {
    const out = renderReadme(`${'word '.repeat(MAX_README_CHARS / 5)}TAIL`, GITHUB);
    expect(out.truncated).toBe(true);
    expect(out.html).not.toContain('TAIL');
    expect(out.html).toContain('the rest is not shown');
  });

  it('leaves ordinary nesting alone', () => {
    expect(nestsTooDeeply('> quote\n>> nested\n\n- a\n  - b\n    - c\n\n[a [b] c](d)')).toBe(false);
  });
});
