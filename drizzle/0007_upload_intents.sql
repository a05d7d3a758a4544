CREATE TABLE "upload_intents" (
	"r2_key" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "upload_intents_created_at_idx" ON "upload_intents" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "download_flushes_applied_at_idx" ON "download_flushes" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "versions_r2_key_idx" ON "versions" USING btree ("r2_key");