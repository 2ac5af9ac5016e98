-- The old column held a random token nobody could read or set; tokens are now set by an
-- operator and stored sealed with SECRETS_KEY (docs/deployment.md), so it is dropped, not moved.
ALTER TABLE "accounts" ADD COLUMN "chat_service_token_sealed" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "chat_service_org" text;--> statement-breakpoint
ALTER TABLE "send_attempts" ADD COLUMN "response_excerpt" text;--> statement-breakpoint
ALTER TABLE "accounts" DROP COLUMN "chat_service_token";