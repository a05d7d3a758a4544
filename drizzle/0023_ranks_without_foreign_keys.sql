-- package_ranks and category_ranks are derived rows: removePackageCounters deletes
-- them with their package. Their foreign keys cost each new package's publish a fresh
-- plan of the check's query (one per Postgres backend, and each request opens one):
-- ~0.7 ms in psql at 200k packages.
ALTER TABLE "category_ranks" DROP CONSTRAINT "category_ranks_package_id_packages_id_fk";
--> statement-breakpoint
ALTER TABLE "package_ranks" DROP CONSTRAINT "package_ranks_package_id_packages_id_fk";
