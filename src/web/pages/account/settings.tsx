// A package's settings: members and invitations, versions (yank / unyank with
// a confirmation step) and deprecation. Owners see everything; maintainers see
// the members and what they may do (yank). Webhooks and the audit log are in
// settings-extra.tsx.
import type { Child } from 'hono/jsx';
import type { PackageSettingsRow } from '../../../services/package-settings';
import { packageHref, TableHead } from '../../components';
import { formatDate } from '../../format';
import { ActionForm, Csrf, type Errors, Field, FormAlert, StackForm, TabPanel } from '../../forms';
import { Layout, type Viewer } from '../../layout';

export type SettingsTab = 'settings' | 'webhooks' | 'audit';

export const settingsHref = (name: string, rest = '') => `/packages/${encodeURIComponent(name)}/settings${rest}`;

export function SettingsLayout(props: {
  viewer: Viewer;
  name: string;
  owner: boolean;
  tab: SettingsTab;
  notice?: string;
  scripts?: string[];
  children: Child;
}) {
  const tabs: [SettingsTab, string, string][] = [['settings', 'Members and versions', settingsHref(props.name)]];
  if (props.owner) {
    tabs.push(['webhooks', 'Webhooks', settingsHref(props.name, '/webhooks')]);
    tabs.push(['audit', 'Audit log', settingsHref(props.name, '/audit')]);
  }
  return (
    <Layout title={`Settings of ${props.name}`} viewer={props.viewer} scripts={props.scripts}>
      <p class="muted">
        <a href={packageHref(props.name)}>← {props.name}</a>
      </p>
      <h1>Settings of {props.name}</h1>
      <TabPanel label="Package settings" tabs={tabs} current={props.tab} notice={props.notice}>
        {props.children}
      </TabPanel>
    </Layout>
  );
}

function RoleSelect(props: { id: string; value?: string; label: string; hidden?: boolean; error?: string }) {
  return (
    <>
      <label for={props.id} class={props.hidden ? 'visually-hidden' : undefined}>
        {props.label}
      </label>
      <select
        id={props.id}
        name="role"
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${props.id}-error` : undefined}
      >
        <option value="maintainer" selected={props.value !== 'owner'}>
          maintainer (publish and yank)
        </option>
        <option value="owner" selected={props.value === 'owner'}>
          owner (full control)
        </option>
      </select>
      {props.error ? (
        <p class="field-error" id={`${props.id}-error`}>
          {props.error}
        </p>
      ) : null}
    </>
  );
}

export function SettingsPage(props: {
  viewer: Viewer;
  pkg: PackageSettingsRow;
  notice?: string;
  /** `members`: a refused change of a member; the rest name fields of the invite and deprecate forms. */
  errors?: Errors;
  values?: { username?: string; role?: string; message?: string };
}) {
  const { pkg, viewer } = props;
  const owner = pkg.role === 'owner';
  const errors = props.errors ?? {};
  return (
    <SettingsLayout viewer={viewer} name={pkg.name} owner={owner} tab="settings" notice={props.notice}>
      <p>
        You are {owner ? 'an owner' : 'a maintainer'} of {pkg.name}.{' '}
        {owner ? null : 'Maintainers publish, yank and unyank; owners manage everything else.'}
      </p>
      <section aria-labelledby="members-title" id="members">
        <h2 id="members-title">Owners and maintainers</h2>
        <p class="hint">
          A package always keeps at least one owner. To step down or remove the last owner, first invite someone else as
          an owner and wait until they accept.
        </p>
        <FormAlert message={errors.members} />
        <section class="table-scroll" tabindex={0} aria-label="Owners and maintainers">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Since</th>
                {owner ? <th scope="col">Change</th> : null}
              </tr>
            </thead>
            <tbody>
              {pkg.members.map((m, i) => (
                <tr>
                  <td>
                    <a href={`/users/${encodeURIComponent(m.username)}`}>{m.username}</a>
                  </td>
                  <td>{m.role}</td>
                  <td>{formatDate(m.added_at)}</td>
                  {owner ? (
                    <td class="actions">
                      <ActionForm
                        action={settingsHref(pkg.name, '/members')}
                        csrf={viewer.csrf}
                        label="Set role"
                        fields={{ username: m.username }}
                      >
                        <RoleSelect id={`role-${i}`} value={m.role} label={`Role of ${m.username}`} hidden />
                      </ActionForm>
                      <ActionForm
                        action={settingsHref(pkg.name, `/members/${encodeURIComponent(m.username)}/remove`)}
                        csrf={viewer.csrf}
                        label="Remove"
                        ariaLabel={`Remove ${m.username}`}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        {owner ? (
          <>
            <h3>Invite someone</h3>
            <p class="hint">They join only when they accept, from their Invitations page (within 30 days).</p>
            <StackForm action={settingsHref(pkg.name, '/members')} csrf={viewer.csrf}>
              <Field name="username" label="Username" value={props.values?.username} errors={errors} required />
              <div class="field">
                <RoleSelect id="invite-role" value={props.values?.role} label="Role" error={errors.role} />
              </div>
              <button type="submit" class="button">
                Invite
              </button>
            </StackForm>
            {pkg.invitations.length ? (
              <>
                <h3>Pending invitations</h3>
                <ul class="plain-list" id="pending-invitations">
                  {pkg.invitations.map((i) => (
                    <li>
                      <strong>{i.username}</strong> as {i.role}, invited by {i.invited_by || 'a former owner'}, expires{' '}
                      {formatDate(i.expires_at)}{' '}
                      <ActionForm
                        action={settingsHref(pkg.name, `/invitations/${i.invitation_id}/cancel`)}
                        csrf={viewer.csrf}
                        label="Cancel"
                        ariaLabel={`Cancel the invitation of ${i.username}`}
                      />
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </>
        ) : null}
      </section>

      <section aria-labelledby="versions-title" id="versions">
        <h2 id="versions-title">Versions</h2>
        <p class="hint">
          A yanked version leaves the version list, search and resolution, but stays downloadable so existing lockfiles
          keep working. Unyanking brings it back.
        </p>
        <section class="table-scroll" tabindex={0} aria-label="Versions">
          <table class="data">
            <TableHead columns={['Version', 'Published', 'State']} actions />
            <tbody>
              {pkg.versions.map((v) => (
                <tr>
                  <td>
                    <a href={packageHref(pkg.name, v.version)}>{v.version}</a>
                  </td>
                  <td>{formatDate(v.published_at)}</td>
                  <td>{v.yanked ? <span class="badge yanked">yanked</span> : 'live'}</td>
                  <td>
                    <a
                      href={settingsHref(
                        pkg.name,
                        `/versions/${encodeURIComponent(v.version)}/${v.yanked ? 'unyank' : 'yank'}`,
                      )}
                      aria-label={`${v.yanked ? 'Unyank' : 'Yank'} ${v.version}`}
                    >
                      {v.yanked ? 'Unyank…' : 'Yank…'}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </section>

      {owner ? (
        <section aria-labelledby="deprecation-title" id="deprecation">
          <h2 id="deprecation-title">Deprecation</h2>
          {pkg.deprecated ? (
            <>
              <div class="banner" role="note">
                Deprecated since {formatDate(pkg.deprecated.deprecated_at)}:{' '}
                <span id="deprecation-message">{pkg.deprecated.message}</span>
              </div>
              <ActionForm
                action={settingsHref(pkg.name, '/undeprecate')}
                csrf={viewer.csrf}
                label="Undeprecate"
                block
              />
            </>
          ) : (
            <p class="hint">Deprecating keeps the package installable and tells its users why they should move on.</p>
          )}
          <StackForm action={settingsHref(pkg.name, '/deprecate')} csrf={viewer.csrf}>
            <Field
              name="message"
              label={pkg.deprecated ? 'New deprecation message' : 'Deprecation message'}
              value={props.values?.message}
              errors={errors}
              hint="For example: “Use raven-forms instead.” Up to 1024 characters."
              required
            />
            <button type="submit" class="button">
              Deprecate
            </button>
          </StackForm>
        </section>
      ) : null}
    </SettingsLayout>
  );
}

export function ConfirmYankPage(props: {
  viewer: Viewer;
  name: string;
  version: string;
  yank: boolean;
  owner: boolean;
}) {
  const verb = props.yank ? 'Yank' : 'Unyank';
  return (
    <SettingsLayout viewer={props.viewer} name={props.name} owner={props.owner} tab="settings">
      <h2>
        {verb} {props.name} {props.version}?
      </h2>
      <p>
        {props.yank
          ? 'It will leave the version list, search and dependency resolution. Anyone who already locked it can still download it.'
          : 'It will be listed and resolvable again.'}
      </p>
      <form
        action={settingsHref(
          props.name,
          `/versions/${encodeURIComponent(props.version)}/${props.yank ? 'yank' : 'unyank'}`,
        )}
        method="post"
      >
        <Csrf token={props.viewer.csrf} />
        <button type="submit" class="button">
          {verb} {props.version}
        </button>{' '}
        <a href={settingsHref(props.name)}>Cancel</a>
      </form>
    </SettingsLayout>
  );
}
