// The package settings page's read: the caller's role, members, pending
// invitations (owners only), versions and deprecation, in one statement. The
// writes it offers are the API's own service functions (owners, invitations,
// packages.setYanked, deprecation, webhooks).
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { iso } from '../db/fragments';
import type { OwnerRole } from '../db/schema';
import { forbidden, notFound } from '../errors';

export type PackageSettingsRow = {
  name: string;
  role: OwnerRole | null;
  deprecated: { message: string; deprecated_at: string } | null;
  members: { username: string; role: OwnerRole; added_at: string }[];
  invitations: { invitation_id: string; username: string; role: OwnerRole; invited_by: string; expires_at: string }[];
  versions: { version: string; yanked: boolean; published_at: string }[];
};

/** 404 for no package, 403 for someone who is neither owner nor maintainer. */
export async function packageSettings(db: Queryable, name: string, userId: string): Promise<PackageSettingsRow> {
  const result = await db.execute<PackageSettingsRow>(sql`
    with me as (
      select o.role from package_owners o join packages p on p.id = o.package_id
      where p.name = ${name} and o.user_id = ${userId}
    )
    select p.name, (select role from me) as role,
      case when p.deprecated_at is not null then json_build_object(
        'message', coalesce(p.deprecation_message, ''), 'deprecated_at', ${iso('p.deprecated_at')}) end as deprecated,
      coalesce((
        select json_agg(json_build_object('username', u.username, 'role', o.role, 'added_at', ${iso('o.added_at')})
          order by o.added_at, u.username)
        from package_owners o join users u on u.id = o.user_id where o.package_id = p.id
      ), '[]'::json) as members,
      case when (select role from me) = 'owner' then coalesce((
        select json_agg(json_build_object(
          'invitation_id', i.id, 'username', u.username, 'role', i.role,
          'invited_by', coalesce(b.username, ''), 'expires_at', ${iso('i.expires_at')}
        ) order by i.created_at, i.id)
        from package_invitations i join users u on u.id = i.user_id left join users b on b.id = i.invited_by
        where i.package_id = p.id and i.status = 'pending' and i.expires_at > now()
      ), '[]'::json) else '[]'::json end as invitations,
      coalesce((
        select json_agg(json_build_object('version', v.version, 'yanked', v.yanked,
          'published_at', ${iso('v.published_at')}) order by v.published_at desc, v.id)
        from versions v where v.package_id = p.id
      ), '[]'::json) as versions
    from packages p where p.name = ${name}`);
  const row = result.rows[0];
  if (!row) throw notFound(`No package named "${name}".`);
  if (!row.role) throw forbidden(`You are not an owner or maintainer of "${name}", so it has no settings for you.`);
  return row;
}
