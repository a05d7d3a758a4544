CREATE TABLE "category_ranks" (
	"package_id" uuid NOT NULL,
	"category" text NOT NULL,
	"name" text NOT NULL,
	"downloads" bigint NOT NULL,
	CONSTRAINT "category_ranks_package_id_category_pk" PRIMARY KEY("package_id","category")
);
--> statement-breakpoint
CREATE TABLE "search_popular" (
	"rank" integer PRIMARY KEY NOT NULL,
	"package_id" uuid NOT NULL,
	"search_document" "tsvector" NOT NULL
);
--> statement-breakpoint
ALTER TABLE "category_ranks" ADD CONSTRAINT "category_ranks_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "search_popular" ADD CONSTRAINT "search_popular_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "category_ranks_page_idx" ON "category_ranks" USING btree ("category","downloads" DESC NULLS FIRST,"name");