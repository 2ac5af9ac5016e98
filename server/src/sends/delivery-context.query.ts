import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../infra/db/db.js';
import { type FileDelivery, SendCancelReason, SendFileStatus, SendStatus } from './sends.model.js';

/*
 * A named read across domains (sends, accounts, feature flags, actions), kept out of their
 * repositories for the reason invoke-context.query.ts is: what a delivery run needs before it
 * sends anything costs one statement (docs/benchmarks.md), and that statement also marks the
 * send SENDING.
 */

/** The send as a delivery run uses it. */
export interface DeliverySend {
  id: string;
  accountId: string;
  agentId: string;
  actionId: string;
  conversationId: string;
  channel: string | null;
  /** As it was before this run marked it SENDING. */
  status: SendStatus;
  caption: string | null;
  failedAttempts: number;
  /** A file ChatService refuses may still go as a download link. */
  linkFallback: boolean;
}

/** A file of the send, in send order. */
export interface DeliveryFile {
  id: string;
  position: number;
  fileName: string;
  mimeType: string;
  kind: string;
  sizeBytes: number;
  sha256: string;
  status: SendFileStatus;
  delivery: FileDelivery;
}

export interface DeliveryContext {
  send: DeliverySend;
  files: DeliveryFile[];
  /** The account's ChatService settings (the token sealed). */
  sealedToken: string | null;
  organizationId: string | null;
  /** The rollback that cancels the send, if one happened since the invoke (SPEC section 5). */
  cancelReason: SendCancelReason | null;
}

/**
 * Opens a delivery run: marks a QUEUED send SENDING and reads the send (as it was), its files,
 * the account's ChatService settings and the rollback that cancels it: the flag turned off, the
 * action deleted or turned off (in that order: a deleted action is also off). Undefined when
 * the send (or its account) does not exist.
 */
export async function openDelivery(db: DbOrTx, params: { sendId: string; accountId: string; flag: string }): Promise<DeliveryContext | undefined> {
  const { sendId, accountId, flag } = params;
  // The update runs whether or not the select reads it (a data-modifying WITH always does).
  const [row] = await db.execute<DeliverySend & Omit<DeliveryContext, 'send'> & Record<string, unknown>>(sql`
    with started as (
      update sends set status = ${SendStatus.SENDING}::send_status, updated_at = now()
      where id = ${sendId}::uuid and account_id = ${accountId}::uuid and status = ${SendStatus.QUEUED}::send_status
      returning id
    )
    select s.id, s.account_id as "accountId", s.agent_id as "agentId", s.action_id as "actionId",
           s.conversation_id as "conversationId", s.channel, s.status, s.caption, s.failed_attempts as "failedAttempts",
           s.link_fallback as "linkFallback",
           a.chat_service_token_sealed as "sealedToken", a.chat_service_org as "organizationId",
           case
             when not coalesce(ff.enabled, false) then ${SendCancelReason.FLAG_OFF}
             when act.id is null or act.deleted_at is not null then ${SendCancelReason.ACTION_DELETED}
             when not act.enabled then ${SendCancelReason.ACTION_DISABLED}
           end as "cancelReason",
           coalesce((
             select json_agg(json_build_object(
               'id', f.id, 'position', f.position, 'fileName', f.file_name, 'mimeType', f.mime_type, 'kind', f.kind,
               'sizeBytes', f.size_bytes, 'sha256', f.sha256, 'status', f.status, 'delivery', f.delivery) order by f.position)
             from send_files f where f.send_id = s.id), '[]'::json) as files
    from sends s
    join accounts a on a.id = s.account_id
    left join feature_flags ff on ff.account_id = s.account_id and ff.flag = ${flag}::text
    left join actions act on act.account_id = s.account_id and act.id = s.action_id
    where s.id = ${sendId}::uuid and s.account_id = ${accountId}::uuid`);
  if (!row) return undefined;
  const { sealedToken, organizationId, cancelReason, files, ...send } = row;
  return { send: send as DeliverySend, files, sealedToken, organizationId, cancelReason };
}
