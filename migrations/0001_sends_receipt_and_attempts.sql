CREATE TYPE "public"."receipt_status" AS ENUM('QUEUED', 'FAILED');--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "receipt_status" "receipt_status" DEFAULT 'QUEUED' NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "failed_attempts" integer DEFAULT 0 NOT NULL;