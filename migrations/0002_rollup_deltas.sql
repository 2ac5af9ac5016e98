CREATE TABLE "send_rollup_deltas" (
	"account_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"agent_id" uuid NOT NULL,
	"action_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"reason" text NOT NULL,
	"sent" integer NOT NULL,
	"failed" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "send_rollup_deltas_account_hour_idx" ON "send_rollup_deltas" USING btree ("account_id","hour");--> statement-breakpoint
-- The trigger now only appends a delta; `fold_send_rollups()` (run every minute by the
-- stats.fold job) moves deltas into the hourly and daily rollups. Appending takes no lock
-- another finishing send could wait on, unlike the upsert it replaces.
CREATE OR REPLACE FUNCTION send_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('SENT', 'FAILED')
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
--> statement-breakpoint
-- Moves every visible delta into the rollups in one statement; returns how many it moved.
-- Deltas committed meanwhile stay for the next fold. Concurrent folds are serialised.
CREATE OR REPLACE FUNCTION fold_send_rollups() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  moved_count bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('fold_send_rollups'));
  WITH moved AS (
    DELETE FROM send_rollup_deltas RETURNING *
  ), hourly AS (
    INSERT INTO send_rollups_hourly AS r (account_id, hour, agent_id, action_id, channel, reason, sent, failed)
    SELECT account_id, hour, agent_id, action_id, channel, reason, sum(sent), sum(failed)
    FROM moved GROUP BY account_id, hour, agent_id, action_id, channel, reason
    ON CONFLICT (account_id, hour, agent_id, action_id, channel, reason)
    DO UPDATE SET sent = r.sent + excluded.sent, failed = r.failed + excluded.failed
  ), daily AS (
    INSERT INTO send_rollups_daily AS d (account_id, day, agent_id, action_id, channel, reason, sent, failed)
    SELECT account_id, date_trunc('day', hour, 'UTC'), agent_id, action_id, channel, reason, sum(sent), sum(failed)
    FROM moved GROUP BY account_id, date_trunc('day', hour, 'UTC'), agent_id, action_id, channel, reason
    ON CONFLICT (account_id, day, agent_id, action_id, channel, reason)
    DO UPDATE SET sent = d.sent + excluded.sent, failed = d.failed + excluded.failed
  )
  SELECT count(*) INTO moved_count FROM moved;
  RETURN moved_count;
END
$$;
