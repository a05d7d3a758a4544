// Tokens for the CLI and CI: the list, the create form, and the page that
// shows a new token once with how the `raven pkg` CLI reads it.
import { ASSET_URLS } from '../../../generated/assets';
import { TOKEN_SCOPES } from '../../../lib/token-rules';
import { TableHead } from '../../components';
import { formatDate } from '../../format';
import { ActionForm, Checkboxes, type Errors, Field, StackForm } from '../../forms';
import type { Viewer } from '../../layout';
import { AccountLayout, type Token } from './account';

const SCOPE_HELP: Record<(typeof TOKEN_SCOPES)[number], string> = {
  publish: 'publish new versions',
  yank: 'yank and unyank versions',
  owners: 'invite and remove owners, deprecate, manage webhooks',
};

export type TokenForm = { name?: string; scopes?: string[]; package_pattern?: string; expires_in_days?: string };

export function TokensPage(props: {
  viewer: Viewer;
  tokens: Token[];
  values?: TokenForm;
  errors?: Errors;
  error?: string;
  notice?: string;
}) {
  const v = props.values ?? {};
  const errors = props.errors ?? {};
  return (
    <AccountLayout viewer={props.viewer} tab="tokens" title="Tokens" notice={props.notice}>
      <h2>Your tokens</h2>
      {props.tokens.length === 0 ? (
        <p class="muted">No API tokens yet.</p>
      ) : (
        <section class="table-scroll" tabindex={0} aria-label="Your tokens">
          <table class="data" id="tokens">
            <TableHead columns={['Name', 'Scopes', 'Packages', 'Created', 'Last used', 'Expires']} actions />
            <tbody>
              {props.tokens.map((t) => (
                <tr>
                  <td class="token-name">{t.name}</td>
                  <td>{t.scopes.length ? t.scopes.join(', ') : 'all'}</td>
                  <td>{t.package_pattern ? <code>{t.package_pattern}</code> : 'all'}</td>
                  <td>{formatDate(t.created_at)}</td>
                  <td>{t.last_used ? formatDate(t.last_used) : 'never'}</td>
                  <td>{formatDate(t.expires_at)}</td>
                  <td>
                    <ActionForm
                      action={`/account/tokens/${t.id}/revoke`}
                      csrf={props.viewer.csrf}
                      label="Revoke"
                      ariaLabel={`Revoke ${t.name}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <h2 id="new-token">Create a token</h2>
      <StackForm action="/account/tokens" csrf={props.viewer.csrf} error={props.error}>
        <Field
          name="name"
          label="Name"
          value={v.name}
          errors={errors}
          hint="What it is for, e.g. “CI for raven-ui”."
          required
        />
        <Checkboxes
          name="scopes"
          legend="Scopes"
          hint="None ticked: everything you can do."
          options={TOKEN_SCOPES}
          checked={v.scopes ?? []}
          errors={errors}
          help={(scope) => SCOPE_HELP[scope]}
        />
        <Field
          name="package_pattern"
          label="Package pattern (optional)"
          value={v.package_pattern}
          errors={errors}
          hint="Limit the token to matching packages: raven-ui, or raven-* for a family. Empty: all your packages."
        />
        <Field
          name="expires_in_days"
          label="Expires after (days)"
          type="number"
          value={v.expires_in_days ?? '30'}
          errors={errors}
          hint="1 to 365."
        />
        <button type="submit" class="button">
          Create token
        </button>
      </StackForm>
    </AccountLayout>
  );
}

export function TokenCreatedPage(props: {
  viewer: Viewer;
  token: string;
  name: string;
  scopes: string[];
  packagePattern: string;
  expiresAt: string;
}) {
  // The file's exact content as the CLI documents it (serde reads either spacing).
  const credentials = `{"token": ${JSON.stringify(props.token)}, "username": ${JSON.stringify(props.viewer.username)}}`;
  const ciStep = `mkdir -p ~/.raven && umask 077 && printf '{"token": "%s", "username": "${props.viewer.username}"}' "$RAVEN_TOKEN" > ~/.raven/credentials.json`;
  return (
    <AccountLayout viewer={props.viewer} tab="tokens" title="Your new token" scripts={[ASSET_URLS['copy.js']]}>
      <div class="banner" role="status">
        <strong>Copy it now: this is the only time it is shown.</strong> Token “{props.name}” —{' '}
        {props.scopes.length ? props.scopes.join(', ') : 'all scopes'}, {props.packagePattern || 'all packages'},
        expires {formatDate(props.expiresAt)}.
      </div>
      <div class="install">
        <code id="new-token-value">{props.token}</code>
        <button type="button" data-copy={props.token} hidden aria-label="Copy the token">
          Copy
        </button>
      </div>
      <h2>Use it on your machine</h2>
      <p>
        The <code>raven pkg</code> CLI reads <code>~/.raven/credentials.json</code> (keep it mode 0600); it has no token
        variable. Put exactly this in the file:
      </p>
      <pre>
        <code id="credentials-json">{credentials}</code>
      </pre>
      <h2>Use it in CI</h2>
      <p>
        Store the token as a secret named <code>RAVEN_TOKEN</code>, then add this step before{' '}
        <code>raven pkg publish</code>:
      </p>
      <pre>
        <code id="ci-step">{ciStep}</code>
      </pre>
      <p>
        <a href="/account/tokens">Back to your tokens</a>
      </p>
    </AccountLayout>
  );
}
