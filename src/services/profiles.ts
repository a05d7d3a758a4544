// Public profiles and the caller's own: one statement each, packages and
// tokens aggregated as JSON inside Postgres.
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { visiblePackage } from '../db/fragments';
import type { TokenKind } from '../env';

export type ProfileRow = {
  id: string;
  username: string;
  email: string;
  created_at: string;
  packages: { name: string; version: string; downloads: number; role: 'owner' | 'maintainer' }[];
  tokens: {
    id: string;
    name: string;
    kind: TokenKind;
    scopes: string[];
    package_pattern: string | null;
    created_at: string;
    last_used: string | null;
    expires_at: string;
  }[];
};

const iso = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

export async function findProfile(
  db: Queryable,
  by: { username: string } | { userId: string },
  withTokens: boolean,
): Promise<ProfileRow | undefined> {
  const where = 'username' in by ? sql`u.username = ${by.username}` : sql`u.id = ${by.userId}`;
  const tokens = withTokens
    ? sql`coalesce((
        select json_agg(json_build_object(
          'id', t.id, 'name', t.name, 'kind', t.kind, 'scopes', t.scopes, 'package_pattern', t.package_pattern,
          'created_at', ${iso('t.created_at')}, 'last_used', ${iso('t.last_used')}, 'expires_at', ${iso('t.expires_at')}
        ) order by t.created_at desc)
        from api_tokens t
        where t.user_id = u.id and t.revoked_at is null and t.expires_at > now()
      ), '[]'::json)`
    : sql`'[]'::json`;
  const result = await db.execute<ProfileRow>(sql`
    select u.id, u.username, u.email, ${iso('u.created_at')} as created_at,
      coalesce((
        select json_agg(json_build_object(
          'name', p.name, 'version', coalesce(p.latest_version, ''), 'downloads', p.downloads, 'role', o.role
        ) order by p.name)
        from package_owners o join packages p on p.id = o.package_id
        where o.user_id = u.id and ${visiblePackage('p')}
      ), '[]'::json) as packages,
      ${tokens} as tokens
    from users u
    where ${where}
    limit 1`);
  return result.rows[0];
}
