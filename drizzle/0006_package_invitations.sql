CREATE TABLE "package_invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"package_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"invited_by" uuid,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "package_invitations_role" CHECK ("package_invitations"."role" in ('owner', 'maintainer')),
	CONSTRAINT "package_invitations_status" CHECK ("package_invitations"."status" in ('pending', 'accepted', 'declined', 'cancelled', 'replaced')),
	CONSTRAINT "package_invitations_resolved" CHECK (("package_invitations"."status" = 'pending') = ("package_invitations"."resolved_at" is null))
);
--> statement-breakpoint
ALTER TABLE "package_invitations" ADD CONSTRAINT "package_invitations_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_invitations" ADD CONSTRAINT "package_invitations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_invitations" ADD CONSTRAINT "package_invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "package_invitations_pending_key" ON "package_invitations" USING btree ("package_id","user_id") WHERE "package_invitations"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "package_invitations_user_pending_idx" ON "package_invitations" USING btree ("user_id") WHERE "package_invitations"."status" = 'pending';