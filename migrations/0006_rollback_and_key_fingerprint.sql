ALTER TYPE "public"."send_file_status" ADD VALUE 'CANCELLED';--> statement-breakpoint
ALTER TYPE "public"."send_status" ADD VALUE 'CANCELLED';--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "request_fingerprint" text;