// Your account: overview, sessions, password and invitations. Tokens have
// their own file (tokens.tsx).
import type { Child } from 'hono/jsx';
import type { ProfileRow } from '../../../services/profiles';
import { packageHref, TableHead } from '../../components';
import { formatDate, plural } from '../../format';
import { ActionForm, type Errors, Field, FormAlert, StackForm, TabPanel } from '../../forms';
import { Layout, type Viewer } from '../../layout';

export type AccountTab = 'account' | 'tokens' | 'sessions' | 'invitations' | 'password';
const TABS: [AccountTab, string, string][] = [
  ['account', 'Account', '/account'],
  ['tokens', 'Tokens', '/account/tokens'],
  ['sessions', 'Sessions', '/account/sessions'],
  ['invitations', 'Invitations', '/account/invitations'],
  ['password', 'Password', '/account/password'],
];

/** The frame of every account page: title, the account tabs, a notice. */
export function AccountLayout(props: {
  viewer: Viewer;
  tab: AccountTab;
  title: string;
  notice?: string;
  scripts?: string[];
  children: Child;
}) {
  return (
    <Layout title={props.title} viewer={props.viewer} scripts={props.scripts}>
      <h1>{props.title}</h1>
      <TabPanel label="Account" tabs={TABS} current={props.tab} notice={props.notice}>
        {props.children}
      </TabPanel>
    </Layout>
  );
}

export type Token = ProfileRow['tokens'][number];

export function AccountPage(props: { viewer: Viewer; user: ProfileRow; notice?: string }) {
  const { user } = props;
  return (
    <AccountLayout viewer={props.viewer} tab="account" title="Your account" notice={props.notice}>
      <dl class="facts">
        <dt>Username</dt>
        <dd>
          <a href={`/users/${encodeURIComponent(user.username)}`}>{user.username}</a>
        </dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Joined</dt>
        <dd>
          <time datetime={user.created_at}>{formatDate(user.created_at)}</time>
        </dd>
      </dl>
      <h2>Your packages</h2>
      {user.packages.length === 0 ? (
        <p class="muted">
          You have no packages yet. Create a token with the publish scope and run <code>raven pkg publish</code>.
        </p>
      ) : (
        <table class="data">
          <TableHead columns={['Package', 'Latest', 'Your role', 'Settings']} />
          <tbody>
            {user.packages.map((p) => (
              <tr>
                <td>
                  <a href={packageHref(p.name)}>{p.name}</a>
                </td>
                <td>{p.version || '—'}</td>
                <td>{p.role}</td>
                <td>
                  <a href={`/packages/${encodeURIComponent(p.name)}/settings`} aria-label={`Settings of ${p.name}`}>
                    Settings
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AccountLayout>
  );
}

export function SessionsPage(props: { viewer: Viewer; sessions: Token[]; current: string; notice?: string }) {
  const others = props.sessions.filter((s) => s.id !== props.current).length;
  return (
    <AccountLayout viewer={props.viewer} tab="sessions" title="Sessions" notice={props.notice}>
      <p class="muted">
        Where you are signed in: browsers, and <code>raven pkg login</code> sessions. Signing out a session ends it at
        once.
      </p>
      <table class="data" id="sessions">
        <TableHead columns={['Kind', 'Signed in', 'Last seen', 'Expires']} actions />
        <tbody>
          {props.sessions.map((s) => (
            <tr>
              <td>{s.kind === 'web' ? 'Browser' : 'Command line'}</td>
              <td>{formatDate(s.created_at)}</td>
              <td>{s.last_used ? formatDate(s.last_used) : 'never'}</td>
              <td>{formatDate(s.expires_at)}</td>
              <td>
                {s.id === props.current ? (
                  <strong>This browser</strong>
                ) : (
                  <ActionForm
                    action={`/account/tokens/${s.id}/revoke`}
                    csrf={props.viewer.csrf}
                    label="Sign out"
                    fields={{ back: 'sessions' }}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {others > 0 ? (
        <ActionForm
          action="/account/sessions/sign-out-others"
          csrf={props.viewer.csrf}
          label={`Sign out the ${plural(others, 'other session')}`}
          primary
          block
        />
      ) : null}
    </AccountLayout>
  );
}

export function PasswordPage(props: { viewer: Viewer; errors?: Errors; error?: string; notice?: string }) {
  return (
    <AccountLayout viewer={props.viewer} tab="password" title="Change your password" notice={props.notice}>
      <StackForm action="/account/password" csrf={props.viewer.csrf} error={props.error}>
        <Field
          name="current_password"
          label="Current password"
          type="password"
          errors={props.errors}
          autocomplete="current-password"
          required
        />
        <Field
          name="new_password"
          label="New password"
          type="password"
          errors={props.errors}
          autocomplete="new-password"
          hint="At least 8 characters; not a common password. Every other session is signed out; API tokens keep working."
          required
        />
        <button type="submit" class="button">
          Change password
        </button>
      </StackForm>
    </AccountLayout>
  );
}

export type MyInvitation = {
  invitation_id: string;
  package: string;
  role: string;
  invited_by: string;
  created_at: string;
  expires_at: string;
};

export function InvitationsPage(props: {
  viewer: Viewer;
  invitations: MyInvitation[];
  notice?: string;
  error?: string;
}) {
  return (
    <AccountLayout viewer={props.viewer} tab="invitations" title="Invitations" notice={props.notice}>
      <FormAlert message={props.error} />
      {props.invitations.length === 0 ? (
        <p class="muted">No pending invitations. When an owner invites you to a package, it shows up here.</p>
      ) : (
        <ul class="pkg-list" id="invitations">
          {props.invitations.map((i) => (
            <li>
              <a class="name" href={packageHref(i.package)}>
                {i.package}
              </a>{' '}
              <span class="meta">as {i.role}</span>
              <p class="desc">
                Invited by {i.invited_by || 'a former owner'} on {formatDate(i.created_at)}; expires{' '}
                {formatDate(i.expires_at)}.
              </p>
              <div class="actions">
                {(['accept', 'decline'] as const).map((verb) => (
                  <ActionForm
                    action={`/account/invitations/${i.invitation_id}/${verb}`}
                    csrf={props.viewer.csrf}
                    label={verb === 'accept' ? 'Accept' : 'Decline'}
                    ariaLabel={`${verb === 'accept' ? 'Accept' : 'Decline'} the invitation to ${i.package}`}
                    primary={verb === 'accept'}
                  />
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
    </AccountLayout>
  );
}
