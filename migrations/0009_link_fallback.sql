CREATE TYPE "public"."file_delivery" AS ENUM('AS_FILE', 'AS_LINK');--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "link_fallback" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "send_files" ADD COLUMN "delivery" "file_delivery" DEFAULT 'AS_FILE' NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "link_fallback" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "send_files_as_link_idx" ON "send_files" USING btree ("send_id") WHERE "send_files"."delivery" = 'AS_LINK';