CREATE TABLE "feature_flag_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"flag" text NOT NULL,
	"from_enabled" boolean,
	"to_enabled" boolean NOT NULL,
	"changed_by" text NOT NULL,
	"changed_by_token_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_events" ADD COLUMN "actor" text;--> statement-breakpoint
ALTER TABLE "alert_states" ADD COLUMN "acknowledged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alert_states" ADD COLUMN "acknowledged_by" text;--> statement-breakpoint
ALTER TABLE "feature_flag_changes" ADD CONSTRAINT "feature_flag_changes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feature_flag_changes_time_idx" ON "feature_flag_changes" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "feature_flag_changes_account_idx" ON "feature_flag_changes" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "alert_events_time_idx" ON "alert_events" USING btree ("created_at","id");