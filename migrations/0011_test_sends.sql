CREATE TABLE "test_conversations" (
	"account_id" uuid NOT NULL,
	"conversation_id" text NOT NULL,
	"label" text NOT NULL,
	"channel" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "test_conversations_account_id_conversation_id_pk" PRIMARY KEY("account_id","conversation_id")
);
--> statement-breakpoint
ALTER TABLE "sends" ADD COLUMN "is_test" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "test_conversations" ADD CONSTRAINT "test_conversations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- A builder's test sends ("Send a test") stay out of the rollups, so out of every statistic.
CREATE OR REPLACE FUNCTION send_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('SENT', 'FAILED') AND NOT NEW.is_test
     AND (TG_OP = 'INSERT' OR OLD.status NOT IN ('SENT', 'FAILED')) THEN
    INSERT INTO send_rollup_deltas (account_id, hour, agent_id, action_id, channel, reason, sent, failed)
    VALUES (NEW.account_id, date_trunc('hour', coalesce(NEW.completed_at, now()), 'UTC'), NEW.agent_id, NEW.action_id,
            coalesce(NEW.channel, ''),
            CASE WHEN NEW.status = 'FAILED' THEN coalesce(NEW.reason, 'unknown') ELSE '' END,
            (NEW.status = 'SENT')::int, (NEW.status = 'FAILED')::int);
  END IF;
  RETURN NULL;
END
$$;
