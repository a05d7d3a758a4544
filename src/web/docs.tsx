// `/docs`: the OpenAPI reference (Scalar) inside the site's frame. The viewer's
// bundle and stylesheet are copied from node_modules into our static assets at
// build time, so the page needs no CDN or third party. Its CSP differs from the
// site's in one word (inline styles; see respond.ts).
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { ASSET_URLS } from '../generated/assets';
import { Layout } from './layout';
import { sendPage } from './respond';

export function docsPage(c: Context<AppEnv>) {
  return sendPage(
    c,
    <Layout
      title="API reference"
      description="The HTTP API behind raven pkg."
      styles={[ASSET_URLS['scalar.css']]}
      scripts={[ASSET_URLS['docs-config.js'], ASSET_URLS['scalar.js'], ASSET_URLS['docs.js']]}
    >
      <h1>API reference</h1>
      <p class="muted">
        Every route lives under <code>/api/v1</code>. The machine-readable document is{' '}
        <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
      </p>
      <noscript>
        <p>The interactive reference needs JavaScript; the OpenAPI document above has everything it shows.</p>
      </noscript>
      {/* Empty on purpose: Scalar reads a mount element's text as an inline document (and hydrates its children); the id is not `api-reference`, which Scalar would auto-mount with its defaults. */}
      <div id="api-viewer" data-url="/api/v1/openapi.json" />
    </Layout>,
    { tags: ['docs'] },
    200,
    'inline-styles',
  );
}
