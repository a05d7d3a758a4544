ALTER TABLE "packages" ADD COLUMN "search_document" "tsvector" GENERATED ALWAYS AS (raven_search_document("name", "keywords", "description")) STORED;--> statement-breakpoint
CREATE INDEX "packages_search_document_idx" ON "packages" USING gin ("search_document");--> statement-breakpoint
CREATE INDEX "packages_name_trgm_idx" ON "packages" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "packages_categories_idx" ON "packages" USING gin ("categories");--> statement-breakpoint
CREATE INDEX "packages_keywords_idx" ON "packages" USING gin ("keywords");--> statement-breakpoint
CREATE INDEX "versions_dependencies_idx" ON "versions" USING gin ("dependencies");