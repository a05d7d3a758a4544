// The friendly 404, 500 and 403 pages, in the site's frame.
import type { Child } from 'hono/jsx';
import { formatDate } from '../format';
import { Layout, SearchForm } from '../layout';

function ErrorFrame(props: { title: string; code: number; heading: string; children: Child }) {
  return (
    <Layout title={props.title} headerSearch={false}>
      <section class="error-page" aria-labelledby="error-title">
        <p class="code" aria-hidden="true">
          {props.code}
        </p>
        <h1 id="error-title">{props.heading}</h1>
        {props.children}
      </section>
    </Layout>
  );
}

const home = (
  <p>
    <a href="/">Back to the home page</a>
  </p>
);

export function NotFoundPage(props: { message?: string }) {
  return (
    <ErrorFrame title="Not found" code={404} heading="We couldn't find that page">
      <p class="muted">{props.message ?? 'The address may be mistyped, or the page may have moved.'}</p>
      <SearchForm id="notfound-q" />
      {home}
    </ErrorFrame>
  );
}

export function ErrorPage(props: { requestId: string }) {
  return (
    <ErrorFrame title="Something went wrong" code={500} heading="Something went wrong on our side">
      <p class="muted">
        Please try again in a moment. If it keeps happening, quote this request id when you report it:
      </p>
      <p>
        <code id="request-id">{props.requestId}</code>
      </p>
      {home}
    </ErrorFrame>
  );
}

/** Over the search limit (the same per-IP bucket as the API's search). */
export function TooManyRequestsPage(props: { message: string }) {
  return (
    <ErrorFrame title="Too many searches" code={429} heading="Too many searches from your address">
      <p class="muted" id="limit-message">
        {props.message}
      </p>
      <p>
        Browsing packages and categories is not limited: <a href="/categories">browse by category</a>.
      </p>
    </ErrorFrame>
  );
}

/** A refused form (bad or missing CSRF token, another site's Origin): nothing was changed. */
export function ForbiddenPage(props: { message?: string }) {
  return (
    <ErrorFrame title="Request refused" code={403} heading="That request was refused">
      <p class="muted">
        {props.message ??
          'It did not come from a form on this site, or the form had expired (for example after you signed out). Nothing was changed.'}
      </p>
      <p>
        Go back, reload the page and try again, or <a href="/account">open your account</a>.
      </p>
    </ErrorFrame>
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
        <p>
          The registry’s operators took it down on <time datetime={props.when}>{formatDate(props.when)}</time>.
        </p>
        <p class="removed-reason" id="removed-reason">
          <strong>Reason:</strong> {props.reason}
        </p>
        <p>
          <a href="/">Back to the home page</a>
        </p>
      </section>
    </Layout>
  );
}
