-- raven_rebuild_counters() now also rebuilds category_ranks (one row per live
-- package and word of its categories and keywords, with its package_ranks
-- downloads), as the services keep it (src/services/counters.ts), and leaves
-- package rows whose versions_count and latest_dependencies are right alone.
CREATE OR REPLACE FUNCTION raven_rebuild_counters() RETURNS void LANGUAGE sql AS $$
  UPDATE packages p SET versions_count = c.n, latest_dependencies = c.deps
  FROM (
    SELECT v.package_id, count(*)::int AS n,
      coalesce(array_agg(DISTINCT d.name ORDER BY d.name) FILTER (WHERE d.name IS NOT NULL), '{}') AS deps
    FROM versions v
    JOIN packages o ON o.id = v.package_id
    LEFT JOIN LATERAL jsonb_object_keys(
      CASE WHEN v.version = o.latest_version AND jsonb_typeof(v.dependencies) = 'object' THEN v.dependencies ELSE '{}' END
    ) AS d(name) ON d.name <> o.name
    GROUP BY v.package_id
  ) c
  -- Rows already right are left alone: rewriting every package row would also rewrite its index entries.
  WHERE c.package_id = p.id AND (p.versions_count <> c.n OR p.latest_dependencies <> c.deps);
  DELETE FROM package_ranks;
  INSERT INTO package_ranks (package_id, name, downloads, live)
  SELECT id, name, downloads, latest_version IS NOT NULL FROM packages;
  DELETE FROM category_ranks;
  INSERT INTO category_ranks (package_id, category, name, downloads)
  SELECT p.id, w, p.name, p.downloads
  FROM packages p, LATERAL (SELECT DISTINCT unnest(p.categories || p.keywords) AS w) words
  WHERE p.latest_version IS NOT NULL;
  DELETE FROM counter_deltas;
  INSERT INTO counter_deltas (key, delta, settled)
  SELECT key, n, true FROM (
    SELECT 'packages' AS key, count(*) AS n FROM packages
    UNION ALL SELECT 'versions', count(*) FROM versions
    UNION ALL SELECT 'users', count(*) FROM users
    UNION ALL SELECT 'downloads', coalesce(sum(downloads), 0) FROM package_ranks
    UNION ALL SELECT 'category:' || w, count(*)
      FROM packages p, LATERAL (SELECT DISTINCT unnest(p.categories || p.keywords) AS w) words
      WHERE p.latest_version IS NOT NULL GROUP BY w
    UNION ALL SELECT 'dependents:' || d, count(*)
      FROM packages p, unnest(p.latest_dependencies) AS d
      WHERE p.latest_version IS NOT NULL GROUP BY d
  ) d WHERE n <> 0;
$$;
--> statement-breakpoint
-- Existing live packages, at the downloads package_ranks holds for them.
INSERT INTO category_ranks (package_id, category, name, downloads)
SELECT p.id, w, p.name, r.downloads
FROM packages p
JOIN package_ranks r ON r.package_id = p.id,
LATERAL (SELECT DISTINCT unnest(p.categories || p.keywords) AS w) words
WHERE p.latest_version IS NOT NULL
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Trigram operators on packages.name estimate their selectivity by applying
-- themselves to the column's histogram: at the default 100 buckets that cost
-- search about 1 ms of planning per statement. Names are unique (equality is
-- estimated from that, not the histogram), so a coarse histogram loses nothing.
ALTER TABLE "packages" ALTER COLUMN "name" SET STATISTICS 10;
