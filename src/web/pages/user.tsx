// `/users/:username`: a public profile (never the email).
import type { ProfileRow } from '../../services/profiles';
import { PackageList } from '../components';
import { formatDate, plural } from '../format';
import { Layout } from '../layout';

export function UserPage(props: { user: ProfileRow }) {
  const { user } = props;
  const live = user.packages.filter((p) => p.version);
  return (
    <Layout title={user.username}>
      <h1>{user.username}</h1>
      <p class="muted">
        Joined <time datetime={user.created_at}>{formatDate(user.created_at)}</time> · {plural(live.length, 'package')}
      </p>
      <h2>Packages</h2>
      <PackageList
        items={live.map((p) => ({
          ...p,
          description: '',
          version: p.role === 'maintainer' ? `${p.version} (maintainer)` : p.version,
        }))}
        empty={`${user.username} has no packages yet.`}
      />
    </Layout>
  );
}
