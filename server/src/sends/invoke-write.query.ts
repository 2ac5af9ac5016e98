import { sql } from 'drizzle-orm';
import { EVENTS, type EventName, type EventProperties } from '../events/events.js';
import type { DbOrTx } from '../infra/db/db.js';
import type { EarlierSend } from './invoke-context.query.js';
import type { NewSend, NewSendFile } from './sends.repository.js';

/*
 * A named write across domains (sends and events), kept out of their repositories for the same
 * reason as invoke-context.query.ts: an accepted invoke writes its rows in one statement.
 */

type EventOf<N extends EventName> = { name: N; properties: EventProperties[N] };
/** The events an invoke records, in the order their ids must follow. */
export type InvokeEvents = [EventOf<typeof EVENTS.ACTION_TRIGGERED>, EventOf<typeof EVENTS.SEND_FAILED>?];

export interface InvokedSend extends Required<Pick<NewSend, 'id' | 'accountId' | 'agentId' | 'actionId' | 'conversationId'>> {
  channel: string | null;
  status: NonNullable<NewSend['status']>;
  receiptStatus: NonNullable<NewSend['receiptStatus']>;
  reason: string | null;
  reasonDetail: string | null;
  caption: string | null;
  idempotencyKey: string | null;
  completedAt: Date | null;
  files: NewSendFile[];
  events: InvokeEvents;
}

/**
 * The send row, its files and its events, in one statement (a data-modifying CTE), so an
 * accepted invoke costs one round trip for its rows. The idempotency key is claimed by the
 * unique index (`sends_idempotency_key`): when another send holds it, nothing is written and
 * the answer is null (a concurrent holder is waited for, as any unique insert waits).
 */
export async function insertInvokedSend(db: DbOrTx, send: InvokedSend): Promise<EarlierSend | null> {
  const at = new Date();
  const [triggered, failed] = send.events;
  const event = (e: InvokeEvents[number] | undefined) => (e ? JSON.stringify({ ...e.properties, timestamp: at.toISOString() }) : null);
  const files = JSON.stringify(
    send.files.map((f) => ({
      position: f.position,
      attachment_id: f.attachmentId ?? null,
      file_name: f.fileName,
      mime_type: f.mimeType,
      kind: f.kind,
      size_bytes: f.sizeBytes,
      sha256: f.sha256,
      status: f.status,
    })),
  );
  const rows = await db.execute<EarlierSend & Record<string, unknown>>(sql`
    with s as (
      insert into sends (id, account_id, agent_id, action_id, conversation_id, channel, status, receipt_status,
                         reason, reason_detail, caption, idempotency_key, completed_at)
      values (${send.id}::uuid, ${send.accountId}::uuid, ${send.agentId}::uuid, ${send.actionId}::uuid, ${send.conversationId}::text,
              ${send.channel}::text, ${send.status}::send_status, ${send.receiptStatus}::receipt_status, ${send.reason}::text,
              ${send.reasonDetail}::text, ${send.caption}::text, ${send.idempotencyKey}::text, ${send.completedAt?.toISOString() ?? null}::timestamptz)
      on conflict (account_id, idempotency_key) where idempotency_key is not null do nothing
      returning id, receipt_status, reason
    ), f as (
      insert into send_files (send_id, position, attachment_id, file_name, mime_type, kind, size_bytes, sha256, status)
      select s.id, x.position, x.attachment_id, x.file_name, x.mime_type, x.kind, x.size_bytes, x.sha256, x.status::send_file_status
      from s, jsonb_to_recordset(${files}::jsonb) as x(position int, attachment_id uuid, file_name text, mime_type text,
                                                      kind text, size_bytes bigint, sha256 text, status text)
    ), e as (
      insert into events (account_id, name, properties, created_at)
      select ${send.accountId}::uuid, v.name, v.properties, ${at.toISOString()}::timestamptz
      from s, (values (1, ${triggered.name}::text, ${event(triggered)}::jsonb), (2, ${failed?.name ?? null}::text, ${event(failed)}::jsonb)) as v(n, name, properties)
      where v.name is not null
      order by v.n
    )
    select id, receipt_status as "receiptStatus", reason from s`);
  return rows[0] ?? null;
}
