CREATE TABLE "counter_deltas" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "counter_deltas_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"key" text NOT NULL,
	"delta" bigint NOT NULL,
	"settled" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "package_downloads" (
	"package_id" uuid NOT NULL,
	"day" date NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "package_downloads_day_package_id_pk" PRIMARY KEY("day","package_id")
);
--> statement-breakpoint
CREATE TABLE "package_ranks" (
	"package_id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"downloads" bigint NOT NULL,
	"live" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trending_snapshot" (
	"period" text NOT NULL,
	"rank" integer NOT NULL,
	"package_id" uuid NOT NULL,
	"downloads_period" bigint NOT NULL,
	"trend_score" double precision NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trending_snapshot_period_computed_at_rank_pk" PRIMARY KEY("period","computed_at","rank")
);
--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "versions_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "latest_dependencies" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "package_downloads" ADD CONSTRAINT "package_downloads_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_ranks" ADD CONSTRAINT "package_ranks_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trending_snapshot" ADD CONSTRAINT "trending_snapshot_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "counter_deltas_key_idx" ON "counter_deltas" USING btree ("key","delta");--> statement-breakpoint
CREATE INDEX "counter_deltas_unsettled_idx" ON "counter_deltas" USING btree ("key") WHERE not "counter_deltas"."settled";--> statement-breakpoint
CREATE INDEX "package_ranks_downloads_idx" ON "package_ranks" USING btree ("downloads" DESC NULLS FIRST,"name") WHERE "package_ranks"."live";