ALTER TABLE "packages" ADD COLUMN "taken_down_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "takedown_reason" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "taken_down_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "takedown_reason" text;