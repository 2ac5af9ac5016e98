import { sql } from 'drizzle-orm';
import { EVENTS, type EventProperties } from '../events/events.js';
import type { DbOrTx } from '../infra/db/db.js';
import { SEND_FINISHED_CHANNEL } from './send-outcomes.js';
import { FINAL_SEND_STATUSES, SendFileStatus, SendStatus, type FinalSendStatus } from './sends.model.js';

/*
 * A named write across domains (sends and events), kept out of their repositories for the
 * reason invoke-write.query.ts is: a delivery's end costs one statement, its own transaction.
 */

type FinishEvent =
  | { name: typeof EVENTS.SENT; properties: EventProperties[typeof EVENTS.SENT] }
  | { name: typeof EVENTS.SEND_FAILED; properties: EventProperties[typeof EVENTS.SEND_FAILED] }
  | { name: typeof EVENTS.SEND_CANCELLED; properties: EventProperties[typeof EVENTS.SEND_CANCELLED] };

export interface SendEnd {
  status: FinalSendStatus;
  reason: string | null;
  reasonDetail: string | null;
  /** The event that records the end (sent, send_failed or send_cancelled). */
  event: FinishEvent;
}

/**
 * Moves an unfinished send to its final state, in one statement: the status, the event that
 * records it, files still PENDING of a cancelled send marked CANCELLED, and the NOTIFY that wakes
 * the requests waiting on the send (delivered at the commit, so only once the status is
 * visible). Only the caller that made the change gets true, so exactly one event is written per send.
 */
export async function finishSend(db: DbOrTx, sendId: string, end: SendEnd): Promise<boolean> {
  const at = new Date().toISOString();
  const properties = JSON.stringify({ ...end.event.properties, timestamp: at });
  const rows = await db.execute(sql`
    with finished as (
      update sends set status = ${end.status}::send_status, reason = ${end.reason}::text, reason_detail = ${end.reasonDetail}::text,
                       completed_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
      where id = ${sendId}::uuid and status not in (${sql.join(FINAL_SEND_STATUSES.map((s) => sql`${s}::send_status`), sql`, `)})
      returning id, account_id, is_test
    ), cancelled_files as (
      update send_files set status = ${SendFileStatus.CANCELLED}::send_file_status
      where ${end.status === SendStatus.CANCELLED}::boolean and send_id in (select id from finished) and status = ${SendFileStatus.PENDING}::send_file_status
    ), event as (
      insert into events (account_id, name, properties, created_at)
      -- A test send's events say so, for whoever reads them (webhooks, analytics).
      select account_id, ${end.event.name}::text, ${properties}::jsonb || case when is_test then '{"is_test": true}'::jsonb else '{}'::jsonb end,
             ${at}::timestamptz from finished
    )
    select pg_notify(${SEND_FINISHED_CHANNEL}, id::text) from finished`);
  return rows.length > 0;
}
