-- Unlogged: a budget counter is worth no WAL flush per request, and losing the counts in a
-- crash only resets the current windows.
CREATE UNLOGGED TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "api_tokens_account_idx" ON "api_tokens" USING btree ("account_id","created_at");--> statement-breakpoint
-- Every process caches tokens (accounts.service.ts); this tells them all, within a moment, that
-- a token was revoked, expired early, changed role or was deleted (even by hand, in psql).
-- last_used_at updates are not listed, so they notify nobody.
CREATE OR REPLACE FUNCTION api_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('api_tokens_changed', coalesce(OLD.id, NEW.id)::text);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER api_tokens_changed AFTER UPDATE OF revoked_at, expires_at, role, token_hash, account_id OR DELETE ON api_tokens
FOR EACH ROW EXECUTE FUNCTION api_tokens_changed();
