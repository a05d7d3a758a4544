CREATE TABLE "trusted_publishers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"package_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"owner_id" text NOT NULL,
	"repository" text NOT NULL,
	"config" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trusted_publishers_provider" CHECK ("trusted_publishers"."provider" in ('github'))
);
--> statement-breakpoint
CREATE TABLE "trusted_publishing_jtis" (
	"issuer" text NOT NULL,
	"jti" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "trusted_publishing_jtis_issuer_jti_pk" PRIMARY KEY("issuer","jti")
);
--> statement-breakpoint
CREATE TABLE "trusted_tokens" (
	"token_id" uuid PRIMARY KEY NOT NULL,
	"package_ids" uuid[] NOT NULL,
	"provenance" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_kind";--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "require_trusted_publishing" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "provenance" jsonb;--> statement-breakpoint
ALTER TABLE "trusted_publishers" ADD CONSTRAINT "trusted_publishers_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trusted_publishers" ADD CONSTRAINT "trusted_publishers_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trusted_tokens" ADD CONSTRAINT "trusted_tokens_token_id_api_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."api_tokens"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "trusted_publishers_package_idx" ON "trusted_publishers" USING btree ("package_id");--> statement-breakpoint
CREATE INDEX "trusted_publishers_owner_idx" ON "trusted_publishers" USING btree ("provider","owner_id");--> statement-breakpoint
CREATE INDEX "trusted_publishers_repository_idx" ON "trusted_publishers" USING btree ("provider",lower("repository"));--> statement-breakpoint
CREATE UNIQUE INDEX "trusted_publishers_unique_key" ON "trusted_publishers" USING btree ("package_id","provider","owner_id",lower("repository"),"config");--> statement-breakpoint
CREATE INDEX "trusted_publishing_jtis_expires_idx" ON "trusted_publishing_jtis" USING btree ("expires_at");--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_kind" CHECK ("api_tokens"."kind" in ('session', 'api', 'web', 'trusted'));