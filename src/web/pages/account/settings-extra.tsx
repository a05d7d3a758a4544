// Owners-only package settings: webhooks (the secret shown once, deliveries
// with every attempt) and the audit log, newest first.
import { ASSET_URLS } from '../../../generated/assets';
import { WEBHOOK_EVENTS } from '../../../schemas/webhooks';
import type { DeliveryView, WebhookView } from '../../../services/webhooks';
import { Pagination, TableHead } from '../../components';
import { formatDate } from '../../format';
import { ActionForm, Checkboxes, type Errors, Field, StackForm } from '../../forms';
import type { Viewer } from '../../layout';
import { SettingsLayout, settingsHref } from './settings';

const time = (iso: string) => (iso ? `${formatDate(iso)} ${iso.slice(11, 16)} UTC` : '');

export function WebhooksPage(props: {
  viewer: Viewer;
  name: string;
  webhooks: WebhookView[];
  values?: { url?: string; events?: string[] };
  errors?: Errors;
  error?: string;
  notice?: string;
}) {
  const errors = props.errors ?? {};
  const checked = props.values?.events ?? [...WEBHOOK_EVENTS];
  return (
    <SettingsLayout viewer={props.viewer} name={props.name} owner tab="webhooks" notice={props.notice}>
      <p class="hint">
        Each event is POSTed as JSON, signed with the webhook's secret in <code>X-Raven-Signature</code>.
      </p>
      {props.webhooks.length === 0 ? (
        <p class="muted">No webhooks yet.</p>
      ) : (
        <ul class="plain-list" id="webhooks">
          {props.webhooks.map((w) => (
            <li>
              <code class="webhook-url">{w.url}</code>
              {w.paused ? (
                <>
                  {' '}
                  <span class="badge yanked">paused</span>
                </>
              ) : null}
              <div class="meta">
                {w.events.join(', ')} · added {formatDate(w.created_at)} by {w.created_by || 'a former member'}
              </div>
              <div class="actions">
                <a href={settingsHref(props.name, `/webhooks/${w.id}`)}>Recent deliveries</a>
                {(w.paused ? ['Resume', 'Delete'] : ['Pause', 'Delete']).map((verb) => (
                  <ActionForm
                    action={settingsHref(props.name, `/webhooks/${w.id}/${verb.toLowerCase()}`)}
                    csrf={props.viewer.csrf}
                    label={verb}
                    ariaLabel={`${verb} the webhook for ${w.url}`}
                  />
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
      <h2>Add a webhook</h2>
      <StackForm action={settingsHref(props.name, '/webhooks')} csrf={props.viewer.csrf} error={props.error}>
        <Field
          name="url"
          label="URL"
          type="url"
          value={props.values?.url}
          errors={errors}
          hint="An https:// address on the public internet."
          required
        />
        <Checkboxes name="events" legend="Events" options={WEBHOOK_EVENTS} checked={checked} errors={errors} />
        <button type="submit" class="button">
          Add webhook
        </button>
      </StackForm>
    </SettingsLayout>
  );
}

export function WebhookCreatedPage(props: { viewer: Viewer; name: string; webhook: WebhookView & { secret: string } }) {
  return (
    <SettingsLayout viewer={props.viewer} name={props.name} owner tab="webhooks" scripts={[ASSET_URLS['copy.js']]}>
      <div class="banner" role="status">
        <strong>Copy the signing secret now: this is the only time it is shown.</strong> Webhook for{' '}
        <code>{props.webhook.url}</code> added.
      </div>
      <div class="install">
        <code id="webhook-secret">{props.webhook.secret}</code>
        <button type="button" data-copy={props.webhook.secret} hidden aria-label="Copy the secret">
          Copy
        </button>
      </div>
      <p>
        <a href={settingsHref(props.name, '/webhooks')}>Back to the webhooks</a>
      </p>
    </SettingsLayout>
  );
}

export function DeliveriesPage(props: {
  viewer: Viewer;
  name: string;
  webhookId: string;
  deliveries: DeliveryView[];
  notice?: string;
}) {
  return (
    <SettingsLayout viewer={props.viewer} name={props.name} owner tab="webhooks" notice={props.notice}>
      <h2>Recent deliveries</h2>
      {props.deliveries.length === 0 ? (
        <p class="muted">Nothing delivered yet. Events are sent after a publish, a yank or a deprecation.</p>
      ) : (
        <section class="table-scroll" tabindex={0} aria-label="Recent deliveries">
          <table class="data" id="deliveries">
            <TableHead columns={['Event', 'Created', 'Status', 'Attempts', 'Last response']} actions />
            <tbody>
              {props.deliveries.map((d) => {
                const last = d.attempts.at(-1);
                return (
                  <tr>
                    <td>
                      {d.event}
                      {d.version ? ` ${d.version}` : ''}
                    </td>
                    <td>{time(d.created_at)}</td>
                    <td>{d.status}</td>
                    <td>{d.attempts.length}</td>
                    <td>
                      {last ? (last.status_code ? `HTTP ${last.status_code}` : last.error || 'no response') : '—'}
                    </td>
                    <td>
                      {d.status === 'pending' ? null : (
                        <ActionForm
                          action={settingsHref(
                            props.name,
                            `/webhooks/${props.webhookId}/deliveries/${d.delivery_id}/redeliver`,
                          )}
                          csrf={props.viewer.csrf}
                          label="Redeliver"
                          ariaLabel={`Redeliver ${d.event} ${d.version}`}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
      <p>
        <a href={settingsHref(props.name, '/webhooks')}>Back to the webhooks</a>
      </p>
    </SettingsLayout>
  );
}

export type AuditEntry = {
  id: string;
  action: string;
  version: string;
  actor: { username: string };
  details: Record<string, unknown>;
  created_at: string;
};

/** The details a person needs, as text: who was added, which role, which URL, what message. */
function describe(entry: AuditEntry): string {
  const d = entry.details;
  const parts: string[] = [];
  for (const key of ['username', 'role', 'previous_role', 'url', 'message', 'reason']) {
    const value = d[key];
    if (typeof value === 'string' && value) parts.push(`${key.replace('_', ' ')}: ${value}`);
  }
  return parts.join(' · ');
}

export function AuditPage(props: { viewer: Viewer; name: string; entries: AuditEntry[]; page: number; more: boolean }) {
  return (
    <SettingsLayout viewer={props.viewer} name={props.name} owner tab="audit">
      {props.entries.length === 0 ? (
        <p class="muted">Nothing recorded on this page.</p>
      ) : (
        <section class="table-scroll" tabindex={0} aria-label="Audit log">
          <table class="data" id="audit">
            <TableHead columns={['When', 'Who', 'Action', 'Details']} />
            <tbody>
              {props.entries.map((e) => (
                <tr>
                  <td>{time(e.created_at)}</td>
                  <td>{e.actor.username || 'a deleted account'}</td>
                  <td>
                    {e.action}
                    {e.version ? ` ${e.version}` : ''}
                  </td>
                  <td>{describe(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <Pagination
        page={props.page}
        pages={props.more ? props.page + 1 : props.page}
        href={(p) => settingsHref(props.name, `/audit?page=${p}`)}
      />
    </SettingsLayout>
  );
}
