CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"package_name" text NOT NULL,
	"version" text,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"reporter_id" uuid,
	"status" text DEFAULT 'open' NOT NULL,
	"resolution" text,
	"closed_by" uuid,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reports_kind" CHECK ("reports"."kind" in ('malware', 'spam', 'squatting', 'stolen', 'other')),
	CONSTRAINT "reports_status" CHECK ("reports"."status" in ('open', 'closed')),
	CONSTRAINT "reports_closed" CHECK (("reports"."status" = 'closed') = ("reports"."closed_at" is not null)),
	CONSTRAINT "reports_text_length" CHECK (char_length("reports"."text") between 1 and 5000)
);
--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_reporter_id_users_id_fk" FOREIGN KEY ("reporter_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_closed_by_users_id_fk" FOREIGN KEY ("closed_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reports_status_created_idx" ON "reports" USING btree ("status","created_at");