CREATE TABLE "reserved_names" (
	"name" text PRIMARY KEY NOT NULL,
	"canonical_name" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"reserved_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	CONSTRAINT "reserved_names_canonical" CHECK ("reserved_names"."canonical_name" = replace("reserved_names"."name", '-', ''))
);
--> statement-breakpoint
ALTER TABLE "reserved_names" ADD CONSTRAINT "reserved_names_reserved_by_users_id_fk" FOREIGN KEY ("reserved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reserved_names_canonical_idx" ON "reserved_names" USING btree ("canonical_name");