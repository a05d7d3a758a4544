// Reports: signed-in users flag a package or version (malware, spam, name
// squatting, stolen code, other); operators list, read and close them. Each
// request is one statement, except closing, which also lands in the operator
// audit log in the same transaction.
import { type SQL, sql } from 'drizzle-orm';
import type { Database, Page, Queryable } from '../db/client';
import { iso } from '../db/fragments';
import type { REPORT_KINDS } from '../db/schema';
import type { AuthContext } from '../env';
import { conflict, notFound } from '../errors';
import { recordOperatorAction } from './operators';

export type ReportKind = (typeof REPORT_KINDS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const noReport = () => notFound('No report with that id.');

/** Files a report; 404 when the package (or the named version) does not exist. Returns its id. */
export async function fileReport(
  db: Queryable,
  actor: AuthContext,
  name: string,
  input: { version?: string; kind: ReportKind; text: string },
): Promise<string> {
  const version = input.version ?? null;
  const result = await db.execute<{ found: boolean; id: string | null }>(sql`
    with target as (
      select p.name, (${version}::text is null or exists (
        select 1 from versions v where v.package_id = p.id and v.version = ${version}::text)) as version_ok
      from packages p where p.name = ${name}
    ), filed as (
      insert into reports (package_name, version, kind, text, reporter_id)
      select t.name, ${version}::text, ${input.kind}, ${input.text}, ${actor.userId}::uuid from target t where t.version_ok
      returning id
    )
    select exists (select 1 from target) as found, (select id from filed) as id`);
  const row = result.rows[0];
  if (!row?.found) throw notFound(`No package named "${name}".`);
  if (!row.id) throw notFound(`${name} has no version "${version}".`);
  return row.id;
}

export type ReportView = {
  report_id: string;
  package: string;
  version: string;
  kind: ReportKind;
  text: string;
  reporter: { username: string; user_id: string };
  status: 'open' | 'closed';
  resolution: string;
  closed_by: string;
  created_at: string;
  closed_at: string;
};

/** The reply shape, with a filter and paging of the caller's choosing. */
const selectReports = (where: SQL, tail: SQL = sql``) => sql`
  select r.id as report_id, r.package_name as package, coalesce(r.version, '') as version, r.kind, r.text,
    json_build_object('username', coalesce(u.username, ''), 'user_id', coalesce(r.reporter_id::text, '')) as reporter,
    r.status, coalesce(r.resolution, '') as resolution, coalesce(c.username, '') as closed_by,
    ${iso('r.created_at')} as created_at, coalesce(${iso('r.closed_at')}, '') as closed_at
  from reports r
  left join users u on u.id = r.reporter_id
  left join users c on c.id = r.closed_by
  where ${where}
  ${tail}`;

/** Oldest first: the queue is worked from its head. */
export async function listReports(db: Queryable, status: 'open' | 'closed' | 'all', page: Page): Promise<ReportView[]> {
  const where = status === 'all' ? sql`true` : sql`r.status = ${status}`;
  const result = await db.execute<ReportView>(
    selectReports(where, sql`order by r.created_at, r.id limit ${page.limit} offset ${page.offset}`),
  );
  return result.rows;
}

export async function getReport(db: Queryable, id: string): Promise<ReportView> {
  if (!UUID.test(id)) throw noReport();
  const result = await db.execute<ReportView>(selectReports(sql`r.id = ${id}`));
  const row = result.rows[0];
  if (!row) throw noReport();
  return row;
}

/** Closes an open report with the operator's resolution; 409 when it is already closed. */
export async function closeReport(db: Database, actor: AuthContext, id: string, resolution: string) {
  if (!UUID.test(id)) throw noReport();
  await db.transaction(async (tx) => {
    const closed = await tx.execute<{ package_name: string; version: string | null }>(sql`
      update reports set status = 'closed', resolution = ${resolution}, closed_by = ${actor.userId}, closed_at = now()
      where id = ${id} and status = 'open'
      returning package_name, version`);
    const row = closed.rows[0];
    if (!row) {
      const exists = await tx.execute(sql`select 1 from reports where id = ${id}`);
      throw exists.rows.length > 0 ? conflict('That report is already closed.') : noReport();
    }
    await recordOperatorAction(tx, actor, {
      action: 'report.close',
      package: row.package_name,
      ...(row.version ? { version: row.version } : {}),
      name: id,
      reason: resolution,
    });
  });
  return getReport(db.query, id);
}
