DROP INDEX "packages_categories_idx";--> statement-breakpoint
DROP INDEX "packages_keywords_idx";