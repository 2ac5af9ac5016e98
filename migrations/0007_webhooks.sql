CREATE TYPE "public"."webhook_attempt_error" AS ENUM('ADDRESS_FORBIDDEN', 'SCHEME_FORBIDDEN', 'DNS_FAILED', 'CONNECT_FAILED', 'TIMEOUT', 'REDIRECT', 'HTTP_ERROR', 'ENDPOINT_DISABLED', 'SECRET_UNAVAILABLE');--> statement-breakpoint
CREATE TYPE "public"."webhook_delivery_status" AS ENUM('PENDING', 'DELIVERED', 'FAILED');--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"delivery_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"http_status" integer,
	"error_code" "webhook_attempt_error",
	"error" text,
	"duration_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"account_id" uuid NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"event_id" bigint NOT NULL,
	"event_name" text NOT NULL,
	"status" "webhook_delivery_status" DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"in_flight" boolean DEFAULT false NOT NULL,
	"last_status" integer,
	"last_error_code" "webhook_attempt_error",
	"last_error" text,
	"response_excerpt" text,
	"next_attempt_at" timestamp with time zone DEFAULT now(),
	"enqueued_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"secret_sealed" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_attempts_delivery_idx" ON "webhook_attempts" USING btree ("delivery_id","attempt");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_endpoint_event_idx" ON "webhook_deliveries" USING btree ("endpoint_id","event_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_list_idx" ON "webhook_deliveries" USING btree ("account_id","endpoint_id","seq");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_unqueued_idx" ON "webhook_deliveries" USING btree ("seq") WHERE enqueued_at is null;--> statement-breakpoint
CREATE INDEX "webhook_endpoints_account_idx" ON "webhook_endpoints" USING btree ("account_id");--> statement-breakpoint
-- The webhook outbox (docs/webhooks.md): every event, whichever code wrote it (recordEvent, or
-- invoke's one-statement CTE), gets a delivery row per enabled endpoint of its account that
-- subscribes to its name, in the event's own transaction: a rollback leaves neither, and no
-- writer can forget the fan-out. An account without endpoints costs one index probe.
CREATE OR REPLACE FUNCTION webhook_fanout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id, event_name)
  SELECT e.account_id, e.id, NEW.id, NEW.name
  FROM webhook_endpoints e
  WHERE e.account_id = NEW.account_id AND e.enabled AND NEW.name = ANY (e.events)
  ON CONFLICT DO NOTHING;
  -- No NOTIFY here: a transaction that notifies takes a database-wide lock at commit, which
  -- would serialise invokes (infra/queue/wake-notifier.ts); the relay polls a partial index.
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER events_webhook_fanout AFTER INSERT ON events
FOR EACH ROW EXECUTE FUNCTION webhook_fanout();
