ALTER TABLE "packages" ADD COLUMN "readme_html" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "readme_html" text;