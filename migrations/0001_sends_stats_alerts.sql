CREATE TYPE "public"."receipt_status" AS ENUM('QUEUED', 'FAILED');--> statement-breakpoint
CREATE TABLE "alert_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"rule" text NOT NULL,
	"kind" text NOT NULL,
	"value" double precision,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"delivery_attempts" integer DEFAULT 0 NOT NULL,
	"last_delivery_error" text
);
--> statement-breakpoint
CREATE TABLE "alert_states" (
	"account_id" uuid NOT NULL,
	"rule" text NOT NULL,
	"firing" boolean NOT NULL,
	"value" double precision,
	"since" timestamp with time zone NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "alert_states_account_id_rule_pk" PRIMARY KEY("account_id","rule")
);
--> statement-breakpoint
CREATE TABLE "send_rollups_daily" (
	"account_id" uuid NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"agent_id" uuid NOT NULL,
	"action_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"reason" text NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "send_rollups_daily_account_id_day_agent_id_action_id_channel_reason_pk" PRIMARY KEY("account_id","day","agent_id","action_id","channel","reason")
);
--> statement-breakpoint
CREATE TABLE "send_rollups_hourly" (
	"account_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"agent_id" uuid NOT NULL,
	"action_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"reason" text NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "send_rollups_hourly_account_id_hour_agent_id_action_id_channel_reason_pk" PRIMARY KEY("account_id","hour","agent_id","action_id","channel","reason")
);
--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "receipt_status" "receipt_status" DEFAULT 'QUEUED' NOT NULL;--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "failed_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_states" ADD CONSTRAINT "alert_states_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_events_account_time_idx" ON "alert_events" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "send_rollups_day_idx" ON "send_rollups_daily" USING btree ("day");--> statement-breakpoint
CREATE INDEX "send_rollups_hour_idx" ON "send_rollups_hourly" USING btree ("hour");--> statement-breakpoint
CREATE INDEX "sends_completed_idx" ON "sends" USING btree ("completed_at") WHERE "sends"."completed_at" is not null;--> statement-breakpoint
-- Keeps the hourly and daily rollups in step with sends: each send is counted once, when it
-- first reaches SENT or FAILED (a send never leaves those states).
CREATE OR REPLACE FUNCTION send_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  finished timestamptz := coalesce(NEW.completed_at, now());
  why text := CASE WHEN NEW.status = 'FAILED' THEN coalesce(NEW.reason, 'unknown') ELSE '' END;
BEGIN
  IF NEW.status IN ('SENT', 'FAILED')
     AND (TG_OP = 'INSERT' OR OLD.status NOT IN ('SENT', 'FAILED')) THEN
    INSERT INTO send_rollups_hourly AS r (account_id, hour, agent_id, action_id, channel, reason, sent, failed)
    VALUES (NEW.account_id, date_trunc('hour', finished, 'UTC'), NEW.agent_id, NEW.action_id,
            coalesce(NEW.channel, ''), why, (NEW.status = 'SENT')::int, (NEW.status = 'FAILED')::int)
    ON CONFLICT (account_id, hour, agent_id, action_id, channel, reason)
    DO UPDATE SET sent = r.sent + excluded.sent, failed = r.failed + excluded.failed;
    INSERT INTO send_rollups_daily AS d (account_id, day, agent_id, action_id, channel, reason, sent, failed)
    VALUES (NEW.account_id, date_trunc('day', finished, 'UTC'), NEW.agent_id, NEW.action_id,
            coalesce(NEW.channel, ''), why, (NEW.status = 'SENT')::int, (NEW.status = 'FAILED')::int)
    ON CONFLICT (account_id, day, agent_id, action_id, channel, reason)
    DO UPDATE SET sent = d.sent + excluded.sent, failed = d.failed + excluded.failed;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER sends_rollup AFTER INSERT OR UPDATE OF status ON sends
  FOR EACH ROW EXECUTE FUNCTION send_rollup();
