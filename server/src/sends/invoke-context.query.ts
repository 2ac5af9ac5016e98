import { and, eq, isNull, sql } from 'drizzle-orm';
import { accounts, featureFlags } from '../accounts/accounts.schema.js';
import { actions } from '../actions/actions.schema.js';
import { agentToolsets } from '../agents/agents.schema.js';
import { attachments } from '../files/files.schema.js';
import type { Db } from '../infra/db/db.js';
import { sends } from './sends.schema.js';
import type { ReceiptStatus } from './sends.model.js';

/*
 * A named read across domains (accounts, actions, agents, files, sends), kept out of their
 * repositories because it exists for one reason: invoke is the hot path, and everything it
 * checks before the room lookup costs one prepared statement (docs/benchmarks.md).
 */

/** A pinned file as invoke copies it into the send (attachments columns, camelCase). */
export interface PinnedFile {
  id: string;
  fileName: string;
  extension: string;
  mimeType: string;
  kind: string;
  sizeBytes: number;
  sha256: string;
}

/** What an earlier call left that this one repeats: enough to answer the same receipt. */
export interface EarlierSend {
  id: string;
  receiptStatus: ReceiptStatus;
  reason: string | null;
}

/** An earlier send as invoke finds it: also what its call asked for (held with a key only). */
export interface EarlierCall extends EarlierSend {
  requestFingerprint: string | null;
}

export interface InvokeContextParams {
  accountId: string;
  actionId: string;
  flag: string;
  /** The call's idempotency key; null to look for a repeat by action and conversation. */
  idempotencyKey: string | null;
  conversationId: string;
  /** How old an earlier send may be to count as the one this call repeats (0: never). */
  keyTtlSeconds: number;
  duplicateWindowSeconds: number;
}

const param = <K extends keyof InvokeContextParams>(name: K) => sql.placeholder(name);

/**
 * The invoke-context statement, built and named once per database handle: the account's
 * ChatService settings (the token sealed), whether the flag is on, the live action (null if missing or deleted),
 * whether the agent's last trained tool set holds it, its pinned files in order, and the
 * earlier send this call repeats (by key within the key's lifetime, or else by action and
 * conversation within the duplicate window). No row when the account does not exist.
 */
export function prepareInvokeContext(db: Db) {
  const pinned = sql<PinnedFile[]>`coalesce((
    select json_agg(json_build_object(
      'id', a.id, 'fileName', a.file_name, 'extension', a.extension, 'mimeType', a.mime_type,
      'kind', a.kind, 'sizeBytes', a.size_bytes, 'sha256', a.sha256) order by a.position)
    from ${attachments} a where a.account_id = ${accounts.id} and a.action_id = ${actions.id}), '[]'::json)`;
  const earlier = sql<EarlierCall | null>`case
    when ${param('idempotencyKey')}::text is not null then (
      select json_build_object('id', s.id, 'receiptStatus', s.receipt_status, 'reason', s.reason, 'requestFingerprint', s.request_fingerprint)
      from ${sends} s
      where s.account_id = ${accounts.id} and s.idempotency_key = ${param('idempotencyKey')}::text
        and s.created_at > now() - make_interval(secs => ${param('keyTtlSeconds')}::int))
    when ${param('duplicateWindowSeconds')}::int > 0 then (
      select json_build_object('id', s.id, 'receiptStatus', s.receipt_status, 'reason', s.reason, 'requestFingerprint', s.request_fingerprint)
      from ${sends} s
      where s.account_id = ${accounts.id} and s.action_id = ${param('actionId')}::uuid
        and s.conversation_id = ${param('conversationId')}::text
        and s.created_at > now() - make_interval(secs => ${param('duplicateWindowSeconds')}::int)
      order by s.created_at limit 1)
    end`;
  const query = db
    .select({
      sealedToken: accounts.chatServiceTokenSealed,
      organizationId: accounts.chatServiceOrg,
      flagOn: sql<boolean>`coalesce(${featureFlags.enabled}, false)`,
      action: actions,
      trained: sql<boolean>`coalesce((
        select ${param('actionId')}::uuid = any(${agentToolsets.actionIds}) from ${agentToolsets}
        where ${agentToolsets.accountId} = ${accounts.id} and ${agentToolsets.agentId} = ${actions.agentId}
        order by ${agentToolsets.version} desc limit 1), false)`,
      pinned,
      earlier,
    })
    .from(accounts)
    .leftJoin(featureFlags, and(eq(featureFlags.accountId, accounts.id), eq(featureFlags.flag, param('flag'))))
    .leftJoin(actions, and(eq(actions.accountId, accounts.id), eq(actions.id, param('actionId')), isNull(actions.deletedAt)))
    .where(eq(accounts.id, param('accountId')))
    .prepare('invoke_context');
  return async (params: InvokeContextParams) => {
    const [row] = await query.execute(params as unknown as Record<string, unknown>);
    return row;
  };
}

export type InvokeContext = NonNullable<Awaited<ReturnType<ReturnType<typeof prepareInvokeContext>>>>;
