// The friendly 404 and 500 pages, in the site's frame.
import { Layout, SearchForm } from '../layout';

export function NotFoundPage(props: { message?: string }) {
  return (
    <Layout title="Not found" headerSearch={false}>
      <section class="error-page" aria-labelledby="error-title">
        <p class="code" aria-hidden="true">
          404
        </p>
        <h1 id="error-title">We couldn't find that page</h1>
        <p class="muted">{props.message ?? 'The address may be mistyped, or the page may have moved.'}</p>
        <SearchForm id="notfound-q" />
        <p>
          <a href="/">Back to the home page</a>
        </p>
      </section>
    </Layout>
  );
}

export function ErrorPage(props: { requestId: string }) {
  return (
    <Layout title="Something went wrong" headerSearch={false}>
      <section class="error-page" aria-labelledby="error-title">
        <p class="code" aria-hidden="true">
          500
        </p>
        <h1 id="error-title">Something went wrong on our side</h1>
        <p class="muted">
          Please try again in a moment. If it keeps happening, quote this request id when you report it:
        </p>
        <p>
          <code id="request-id">{props.requestId}</code>
        </p>
        <p>
          <a href="/">Back to the home page</a>
        </p>
      </section>
    </Layout>
  );
}

/** A refused form (bad or missing CSRF token, another site's Origin): nothing was changed. */
export function ForbiddenPage(props: { message?: string }) {
  return (
    <Layout title="Request refused" headerSearch={false}>
      <section class="error-page" aria-labelledby="error-title">
        <p class="code" aria-hidden="true">
          403
        </p>
        <h1 id="error-title">That request was refused</h1>
        <p class="muted">
          {props.message ??
            'It did not come from a form on this site, or the form had expired (for example after you signed out). Nothing was changed.'}
        </p>
        <p>
          Go back, reload the page and try again, or <a href="/account">open your account</a>.
        </p>
      </section>
    </Layout>
  );
}

/** A package or version the registry's operators took down (status 451): what, when and why. */
export function RemovedPage(props: { what: string; reason: string; when: string }) {
  return (
    <Layout title={`${props.what} was removed`} headerSearch={false}>
      <section class="error-page" aria-labelledby="error-title">
        <p class="code" aria-hidden="true">
          451
        </p>
        <h1 id="error-title">{props.what} was removed</h1>
        <p id="removed-reason">
          The registry's operators took it down on {props.when.slice(0, 10)}. Reason: {props.reason}
        </p>
        <p>
          <a href="/">Back to the home page</a>
        </p>
      </section>
    </Layout>
  );
}
