-- Search needs two things drizzle-kit cannot express; they come before the
-- generated migration that adds the column and indexes using them.
--
-- pg_trgm: trigram similarity on package names (typos, partial names). It is a
-- trusted extension, so Neon's database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- The weighted search document of a package: name (A) > keywords (B) >
-- description (C). A generated column needs an IMMUTABLE expression and
-- array_to_string is only STABLE, so the whole document is built by this
-- function, declared IMMUTABLE (true: it depends on its arguments and the fixed
-- 'english' configuration only). Everything is schema-qualified so restores
-- with an empty search_path rebuild the same column.
CREATE OR REPLACE FUNCTION raven_search_document(name text, keywords text[], description text)
RETURNS tsvector
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.setweight(pg_catalog.to_tsvector('pg_catalog.english'::pg_catalog.regconfig, coalesce(name, '')), 'A')
  || pg_catalog.setweight(pg_catalog.to_tsvector('pg_catalog.english'::pg_catalog.regconfig, coalesce(pg_catalog.array_to_string(keywords, ' '), '')), 'B')
  || pg_catalog.setweight(pg_catalog.to_tsvector('pg_catalog.english'::pg_catalog.regconfig, coalesce(description, '')), 'C');
