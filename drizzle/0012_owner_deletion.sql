CREATE TABLE "deleted_versions" (
	"package_name" text NOT NULL,
	"version" text NOT NULL,
	"checksum" text NOT NULL,
	"deleted_by" uuid,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deleted_versions_package_name_version_pk" PRIMARY KEY("package_name","version")
);
--> statement-breakpoint
ALTER TABLE "webhook_events" DROP CONSTRAINT "webhook_events_event_known";--> statement-breakpoint
ALTER TABLE "webhooks" DROP CONSTRAINT "webhooks_events_known";--> statement-breakpoint
ALTER TABLE "webhook_events" DROP CONSTRAINT "webhook_events_package_id_packages_id_fk";
--> statement-breakpoint
ALTER TABLE "webhooks" DROP CONSTRAINT "webhooks_package_id_packages_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_events" ALTER COLUMN "package_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "webhooks" ALTER COLUMN "package_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "deleted_versions" ADD CONSTRAINT "deleted_versions_deleted_by_users_id_fk" FOREIGN KEY ("deleted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhooks_orphaned_idx" ON "webhooks" USING btree ("id") WHERE "webhooks"."package_id" is null;--> statement-breakpoint
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_event_known" CHECK ("webhook_events"."event" in ('package.published', 'package.yanked', 'package.deprecated', 'package.deleted', 'version.deleted'));--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_events_known" CHECK (cardinality("webhooks"."events") > 0 and "webhooks"."events" <@ array['package.published', 'package.yanked', 'package.deprecated', 'package.deleted', 'version.deleted']::text[]);