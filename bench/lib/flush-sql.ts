// The download flush's statement (applyFlush in src/services/downloads.ts) as
// it is and as it was before the counters and rollups, for bench:scale to run
// both on the same rows and compare their Postgres time. Copies: keep
// FLUSH_AFTER in step with applyFlush. $1 is the batch as JSON.
const INPUT = `
  with input as (
    select * from jsonb_to_recordset($1::jsonb) as t(name text, version text, day date, count bigint)
  ), resolved as (
    select v.id as version_id, v.package_id, i.day, i.count
    from input i
    join packages p on p.name = i.name
    join versions v on v.package_id = p.id and v.version = i.version
  ), per_day as (
    insert into version_downloads (version_id, day, count)
    select version_id, day, sum(count) from resolved group by version_id, day
    on conflict (version_id, day) do update set count = version_downloads.count + excluded.count
    returning 1
  ), per_version as (
    update versions v set downloads = v.downloads + r.n
    from (select version_id, sum(count) as n from resolved group by version_id) r
    where v.id = r.version_id
    returning 1
  )`;

export const FLUSH_BEFORE = `${INPUT}, per_package as (
    update packages p set downloads = p.downloads + r.n
    from (select package_id, sum(count) as n from resolved group by package_id) r
    where p.id = r.package_id
    returning 1
  )
  select (select count(*) from per_day) + (select count(*) from per_version) + (select count(*) from per_package)`;

export const FLUSH_AFTER = `${INPUT}, per_package as (
    update packages p set downloads = p.downloads + r.n
    from (select package_id, sum(count) as n from resolved group by package_id) r
    where p.id = r.package_id
    returning 1
  ), per_package_day as (
    insert into package_downloads (package_id, day, count)
    select package_id, day, sum(count) from resolved group by package_id, day
    on conflict (day, package_id) do update set count = package_downloads.count + excluded.count
    returning 1
  )
  select (select count(*) from per_day) + (select count(*) from per_version) + (select count(*) from per_package)
    + (select count(*) from per_package_day)`;
