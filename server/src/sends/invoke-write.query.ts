import { sql } from 'drizzle-orm';
import { EVENTS, type EventName, type EventProperties } from '../events/events.js';
import type { DbOrTx } from '../infra/db/db.js';
import { SEND_ATTACHMENT_FLAG } from '../accounts/roles.js';
import type { EarlierSend } from './invoke-context.query.js';
import type { NewSend, NewSendFile } from './sends.repository.js';
import { FileDelivery, RejectReason } from './sends.model.js';

/*
 * A named write across domains (sends and events), kept out of their repositories for the same
 * reason as invoke-context.query.ts: an accepted invoke writes its rows in one statement.
 */

type EventOf<N extends EventName> = { name: N; properties: EventProperties[N] };
/** The events an invoke records, in the order their ids must follow. */
export type InvokeEvents = [EventOf<typeof EVENTS.ACTION_TRIGGERED>, EventOf<typeof EVENTS.SEND_FAILED>?];

export interface InvokedSend extends Required<Pick<NewSend, 'id' | 'accountId' | 'agentId' | 'actionId' | 'conversationId'>> {
  /** The action's version the files and caption were read at: the write refuses any other. */
  actionVersion: number;
  channel: string | null;
  status: NonNullable<NewSend['status']>;
  receiptStatus: NonNullable<NewSend['receiptStatus']>;
  reason: string | null;
  reasonDetail: string | null;
  caption: string | null;
  idempotencyKey: string | null;
  requestFingerprint: string | null;
  completedAt: Date | null;
  linkFallback: boolean;
  /** A builder's test send: left out of the stats and alerts. */
  isTest: boolean;
  files: NewSendFile[];
  events: InvokeEvents;
}

/** The action was saved since the invoke read it: its files may be gone, so the invoke reads it again. */
export const ACTION_CHANGED = 'action_changed';

/**
 * What the write found: the rollback that refuses the call, a change of the action, or else
 * the send holding the key (null: another send holds it).
 */
export type InvokeWriteResult =
  | { refusal: RejectReason | typeof ACTION_CHANGED }
  | { refusal: null; written: EarlierSend | null };

/**
 * The send row, its files and its events, in one statement (a data-modifying CTE), so an
 * accepted invoke costs one round trip for its rows. The statement first checks again that the
 * flag is on and the action live and enabled (the invoke's first read came before the room
 * lookup, and a rollback may have committed since); if not, nothing is written and the refusal
 * says why. The same for an edit: a send must not carry files the edit unpinned, whose blobs
 * may be removed as soon as it commits (docs/storage.md). The idempotency key is claimed by the
 * unique index (`sends_idempotency_key`): when another send holds it, nothing is written (a
 * concurrent holder is waited for, as any unique insert waits).
 */
export async function insertInvokedSend(db: DbOrTx, send: InvokedSend): Promise<InvokeWriteResult> {
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
      delivery: f.delivery,
    })),
  );
  const [row] = await db.execute<{ refusal: RejectReason | typeof ACTION_CHANGED | null; id: string | null; receiptStatus: EarlierSend['receiptStatus'] | null; reason: string | null }>(sql`
    with gate as (
      select case
        when not coalesce(ff.enabled, false) then ${RejectReason.FEATURE_DISABLED}
        when a.id is null then ${RejectReason.NOT_FOUND}
        when not a.enabled then ${RejectReason.ACTION_DISABLED}
        when a.version <> ${send.actionVersion}::int then ${ACTION_CHANGED}
        end as refusal
      from (select 1) as one
      left join feature_flags ff on ff.account_id = ${send.accountId}::uuid and ff.flag = ${SEND_ATTACHMENT_FLAG}::text
      left join actions a on a.id = ${send.actionId}::uuid and a.account_id = ${send.accountId}::uuid and a.deleted_at is null
    ), s as (
      insert into sends (id, account_id, agent_id, action_id, conversation_id, channel, status, receipt_status,
                         reason, reason_detail, caption, idempotency_key, request_fingerprint, completed_at, link_fallback, is_test)
      select ${send.id}::uuid, ${send.accountId}::uuid, ${send.agentId}::uuid, ${send.actionId}::uuid, ${send.conversationId}::text,
             ${send.channel}::text, ${send.status}::send_status, ${send.receiptStatus}::receipt_status, ${send.reason}::text,
             ${send.reasonDetail}::text, ${send.caption}::text, ${send.idempotencyKey}::text, ${send.requestFingerprint}::text,
             ${send.completedAt?.toISOString() ?? null}::timestamptz, ${send.linkFallback}::boolean, ${send.isTest}::boolean
      from gate where gate.refusal is null
      on conflict (account_id, idempotency_key) where idempotency_key is not null do nothing
      returning id, receipt_status, reason
    ), f as (
      insert into send_files (send_id, position, attachment_id, file_name, mime_type, kind, size_bytes, sha256, status, delivery)
      select s.id, x.position, x.attachment_id, x.file_name, x.mime_type, x.kind, x.size_bytes, x.sha256, x.status::send_file_status,
             coalesce(x.delivery, ${FileDelivery.AS_FILE})::file_delivery
      from s, jsonb_to_recordset(${files}::jsonb) as x(position int, attachment_id uuid, file_name text, mime_type text,
                                                      kind text, size_bytes bigint, sha256 text, status text, delivery text)
    ), e as (
      insert into events (account_id, name, properties, created_at)
      select ${send.accountId}::uuid, v.name, v.properties, ${at.toISOString()}::timestamptz
      from s, (values (1, ${triggered.name}::text, ${event(triggered)}::jsonb), (2, ${failed?.name ?? null}::text, ${event(failed)}::jsonb)) as v(n, name, properties)
      where v.name is not null
      order by v.n
    )
    select gate.refusal, s.id, s.receipt_status as "receiptStatus", s.reason from gate left join s on true`);
  if (row!.refusal) return { refusal: row!.refusal };
  return { refusal: null, written: row!.id ? { id: row!.id, receiptStatus: row!.receiptStatus!, reason: row!.reason } : null };
}
