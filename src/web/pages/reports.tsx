// Reports in the browser: the signed-in form behind a package page's "Report"
// link, its thank-you page, and the operators' queue of open reports with a
// close form and takedown buttons beside each.
import { REPORT_KINDS } from '../../db/schema';
import type { ReportView } from '../../services/reports';
import { packageHref } from '../components';
import { formatDate } from '../format';
import { Csrf, type Errors, FormAlert, Notice } from '../forms';
import { Layout, type Viewer } from '../layout';

export const reportHref = (name: string) => `/packages/${encodeURIComponent(name)}/report`;

const KIND_LABELS: Record<(typeof REPORT_KINDS)[number], string> = {
  malware: 'Malware: it does something harmful',
  spam: 'Spam: it is an advertisement or junk',
  squatting: 'Name squatting: the name is held without a real package',
  stolen: 'Stolen code: published without the authors’ permission',
  other: 'Something else',
};

export function ReportPage(props: {
  viewer: Viewer;
  name: string;
  versions: string[];
  values?: { version?: string; kind?: string; text?: string };
  errors?: Errors;
  error?: string;
}) {
  const errors = props.errors ?? {};
  const values = props.values ?? {};
  const described = (field: string) => (errors[field] ? `f-${field}-error` : undefined);
  return (
    <Layout title={`Report ${props.name}`} viewer={props.viewer}>
      <p class="muted">
        <a href={packageHref(props.name)}>← {props.name}</a>
      </p>
      <h1>Report {props.name}</h1>
      <p>The registry’s operators read every report. Tell them what is wrong and where they can see it.</p>
      <FormAlert message={props.error} />
      <form class="stack-form narrow" action={reportHref(props.name)} method="post">
        <Csrf token={props.viewer.csrf} />
        <div class={`field${errors.version ? ' has-error' : ''}`}>
          <label for="f-version">Version</label>
          <select id="f-version" name="version" aria-describedby={described('version')}>
            <option value="">The whole package</option>
            {props.versions.map((v) => (
              <option value={v} selected={values.version === v}>
                {v}
              </option>
            ))}
          </select>
          <FieldError id="f-version-error" message={errors.version} />
        </div>
        <fieldset class={errors.kind ? 'has-error' : undefined} aria-describedby={described('kind')}>
          <legend>What is wrong?</legend>
          {REPORT_KINDS.map((kind) => (
            <label class="check">
              <input type="radio" name="kind" value={kind} checked={values.kind === kind} required />{' '}
              {KIND_LABELS[kind]}
            </label>
          ))}
          <FieldError id="f-kind-error" message={errors.kind} />
        </fieldset>
        <div class={`field${errors.text ? ' has-error' : ''}`}>
          <label for="f-text">Details</label>
          <p class="hint" id="f-text-hint">
            Up to 5000 characters: what you found, in which file, and any links.
          </p>
          <textarea
            id="f-text"
            name="text"
            rows={8}
            maxlength={5000}
            required
            aria-invalid={errors.text ? 'true' : undefined}
            aria-describedby={['f-text-hint', described('text')].filter(Boolean).join(' ')}
          >
            {values.text ?? ''}
          </textarea>
          <FieldError id="f-text-error" message={errors.text} />
        </div>
        <button type="submit" class="button">
          Send the report
        </button>
      </form>
    </Layout>
  );
}

function FieldError(props: { id: string; message?: string }) {
  if (!props.message) return null;
  return (
    <p class="field-error" id={props.id}>
      {props.message}
    </p>
  );
}

export function ReportFiledPage(props: { viewer: Viewer; name: string }) {
  return (
    <Layout title="Report sent" viewer={props.viewer}>
      <h1>Thank you</h1>
      <div class="banner ok" role="status">
        Your report about {props.name} was sent to the registry’s operators.
      </div>
      <p>
        <a href={packageHref(props.name)}>Back to {props.name}</a>
      </p>
    </Layout>
  );
}

export function OperatorReportsPage(props: { viewer: Viewer; reports: ReportView[]; notice?: string }) {
  const csrf = <Csrf token={props.viewer.csrf} />;
  return (
    <Layout title="Open reports" viewer={props.viewer}>
      <h1>Open reports</h1>
      <Notice text={props.notice} />
      {props.reports.length === 0 ? <p>No open reports.</p> : null}
      {props.reports.map((r) => {
        const target = r.version ? `${r.package} ${r.version}` : r.package;
        const base = `/admin/reports/${r.report_id}`;
        return (
          <section class="report" aria-labelledby={`r-${r.report_id}`}>
            <h2 id={`r-${r.report_id}`}>
              <a href={r.version ? packageHref(r.package, r.version) : packageHref(r.package)}>{target}</a>: {r.kind}
            </h2>
            <p class="muted">
              By {r.reporter.username || 'a deleted account'} on{' '}
              <time datetime={r.created_at}>{formatDate(r.created_at)}</time>
            </p>
            <p class="report-text">{r.text}</p>
            <div class="report-actions">
              <form class="stack-form" action={`${base}/takedown`} method="post">
                {csrf}
                <div class="field">
                  <label for={`reason-${r.report_id}`}>Takedown reason</label>
                  <input
                    id={`reason-${r.report_id}`}
                    name="reason"
                    required
                    maxlength={1000}
                    aria-describedby={`reason-${r.report_id}-hint`}
                  />
                  <p class="hint" id={`reason-${r.report_id}-hint`}>
                    Shown on its downloads and its page.
                  </p>
                </div>
                <button type="submit" class="button danger">
                  Take down {target}
                </button>
              </form>
              <form class="stack-form" action={`${base}/close`} method="post">
                {csrf}
                <div class="field">
                  <label for={`resolution-${r.report_id}`}>Resolution</label>
                  <input id={`resolution-${r.report_id}`} name="resolution" required maxlength={2000} />
                </div>
                <button type="submit" class="button secondary">
                  Close the report
                </button>
              </form>
            </div>
          </section>
        );
      })}
    </Layout>
  );
}
