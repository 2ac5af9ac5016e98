import { Permission, SEND_ATTACHMENT_FLAG } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import { CHANNELS, channelRefusal, isChannelId, type ChannelRule } from '../channels/channels.js';
import type { ChatServiceClient } from '../chat-service/chat-service.client.js';
import { EVENTS, recordEvent } from '../events/events.js';
import type { AttachmentRow, FilesRepository } from '../files/files.repository.js';
import type { FileKind } from '../files/limits.js';
import type { BlobStore } from '../files/storage.js';
import type { Config } from '../infra/config/config.js';
import { inTransaction, type Database } from '../infra/db/db.js';
import { AppError, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import type { Logger } from '../infra/log/logger.js';
import { enqueueInTransaction, JOBS, type Queue } from '../infra/queue/queue.js';
import type { WakeNotifier } from '../infra/queue/wake-notifier.js';
import { captionFor } from './caption.js';
import { deliveryJobOptions } from './sends.jobs.js';
import type { SendCursor, SendListFilter, SendRow, SendsRepository } from './sends.repository.js';
import { ReceiptStatus, RejectReason, SendFailureReason, type SendReceipt } from './sends.model.js';

export interface InvokeInput {
  actionId: string;
  conversationId: string;
  caption?: string | null;
  idempotencyKey?: string | null;
}

/** Idempotency keys are honoured for this long (SPEC section 5). */
export const IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 60 * 60;
const MAX_KEY_CHARS = 255;
const MAX_CONVERSATION_ID_CHARS = 255;
const MAX_CALL_CAPTION_CHARS = 10_000;
const DEFAULT_PAGE = 20;
/** Stands in for an action id that is not a UUID: matches no row, so the call is NOT_FOUND. */
const NO_ACTION = '00000000-0000-0000-0000-000000000000';
const MAX_PAGE = 100;

interface GuardFailure {
  reason: SendFailureReason;
  detail: string;
}

const rejected = (reason: RejectReason): SendReceipt => ({ sendId: null, status: ReceiptStatus.REJECTED, reason, deduplicated: false });

function receiptOf(send: SendRow, deduplicated: boolean): SendReceipt {
  const failed = send.receiptStatus === 'FAILED';
  return {
    sendId: send.id,
    status: failed ? ReceiptStatus.FAILED : ReceiptStatus.QUEUED,
    reason: failed ? send.reason : null,
    deduplicated,
  };
}

/** created_at as Postgres prints it, e.g. `2026-11-21 23:31:55.123456+00`. */
const POSTGRES_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function encodeCursor(cursor: SendCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

function decodeCursor(raw: string): SendCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'string' && POSTGRES_TIMESTAMPTZ.test(createdAt) && isUuid(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through
  }
  throw AppError.badInput('after', InputReason.INVALID_VALUE, 'This cursor is not valid; start again from the first page.');
}

export class SendsService {
  constructor(
    private readonly database: Database,
    private readonly sends: SendsRepository,
    private readonly files: FilesRepository,
    private readonly blobs: BlobStore,
    private readonly chatService: ChatServiceClient,
    private readonly queue: Queue,
    private readonly wakeWorkers: WakeNotifier,
    private readonly config: Readonly<Config>,
    private readonly log: Logger,
  ) {}

  /**
   * invokeSendAttachment (SPEC section 5). Refusals of the call itself are REJECTED receipts
   * with no row and no event; everything else records a send, a triggered event and either
   * a queued delivery job or (a pre-send guard failed) a send_failed event.
   */
  async invoke(viewer: Viewer | null, input: InvokeInput): Promise<SendReceipt> {
    const { accountId } = requirePermission(viewer, Permission.INVOKE);
    const call = this.validate(input);

    // Three reads at once (invoke is the hot path, see docs/benchmarks.md): an earlier call this
    // one repeats; in one query, what the checks below read (flag, action, training, the
    // account's ChatService token); and the pinned files.
    const actionId = isUuid(call.actionId) ? call.actionId : NO_ACTION;
    const [earlier, context, pinned] = await Promise.all([
      this.findDuplicate(this.sends, accountId, call),
      this.sends.invokeContext(accountId, actionId, SEND_ATTACHMENT_FLAG),
      this.files.listPinned([actionId]),
    ]);
    // A replay answers what the first call answered, even if the action changed since.
    if (earlier) return receiptOf(earlier, true);
    if (!context) throw AppError.notFound('account');
    if (!context.flagOn) return rejected(RejectReason.FEATURE_DISABLED);
    const { action } = context;
    if (!action) return rejected(RejectReason.NOT_FOUND);
    if (!action.enabled) return rejected(RejectReason.ACTION_DISABLED);
    if (!context.trained) return rejected(RejectReason.NOT_TRAINED);

    const lookup = await this.chatService.getRoom(context.chatServiceToken, call.conversationId);
    if (lookup.kind === 'not_found' || (lookup.kind === 'found' && lookup.room.accountId !== accountId)) {
      return rejected(RejectReason.NOT_FOUND);
    }
    const channelId = lookup.kind === 'found' ? lookup.room.channel : null;
    const channel = channelId && isChannelId(channelId) ? CHANNELS[channelId] : null;
    const failure =
      lookup.kind === 'unavailable'
        ? { reason: SendFailureReason.SERVER_ERROR, detail: `room lookup: ${lookup.error}` }
        : await this.preSendGuard(channelId!, channel, pinned);
    const caption = captionFor(action, call.caption, channel);

    let queued = false;
    const receipt = await inTransaction(this.database, async ({ db, executor }) => {
      const sends = this.sends.with(db);
      await sends.lockTransaction(
        call.idempotencyKey
          ? `invoke:${accountId}:key:${call.idempotencyKey}`
          : `invoke:${accountId}:${action.id}:${call.conversationId}`,
      );
      // Checked again under the lock: of two concurrent duplicates, the second waits and finds the first.
      const duplicate = call.idempotencyKey
        ? await sends.claimIdempotencyKey(accountId, call.idempotencyKey, IDEMPOTENCY_KEY_TTL_SECONDS)
        : await this.findDuplicate(sends, accountId, call);
      if (duplicate) return receiptOf(duplicate, true);

      const send = await sends.insert({
        accountId,
        agentId: action.agentId,
        actionId: action.id,
        conversationId: call.conversationId,
        channel: channelId,
        status: failure ? 'FAILED' : 'QUEUED',
        receiptStatus: failure ? 'FAILED' : 'QUEUED',
        reason: failure?.reason ?? null,
        reasonDetail: failure?.detail ?? null,
        caption,
        idempotencyKey: call.idempotencyKey,
        completedAt: failure ? new Date() : null,
      });
      const files = sends.insertFiles(
        send.id,
        pinned.map((a, position) => ({
          position,
          attachmentId: a.id,
          fileName: a.fileName,
          mimeType: a.mimeType,
          kind: a.kind,
          sizeBytes: a.sizeBytes,
          sha256: a.sha256,
          status: failure ? ('FAILED' as const) : ('PENDING' as const),
        })),
      );
      const who = { account_id: accountId, agent_id: action.agentId, action_id: action.id };
      const triggered = recordEvent(db, EVENTS.ACTION_TRIGGERED, { ...who, conversation_id: call.conversationId });
      if (failure) {
        await Promise.all([files, triggered]);
        // After the triggered event, so event ids keep their order.
        await recordEvent(db, EVENTS.SEND_FAILED, {
          ...who,
          channel: channelId,
          reason: failure.reason,
          conversation_id: call.conversationId,
          send_id: send.id,
          detail: failure.detail,
        });
        this.log.info('sends.guard_failed', { sendId: send.id, reason: failure.reason, detail: failure.detail });
      } else {
        // Independent statements on the transaction's one connection: postgres.js pipelines
        // them (one write, one round trip) instead of waiting for each answer in turn.
        await Promise.all([
          files,
          triggered,
          enqueueInTransaction(this.queue, executor, JOBS.SEND_DELIVER, { sendId: send.id, accountId }, deliveryJobOptions(this.config)),
        ]);
        queued = true;
      }
      return receiptOf(send, false);
    });
    // After the commit, so the job is visible to the worker it wakes (see WakeNotifier).
    if (queued) this.wakeWorkers.notify();
    return receipt;
  }

  /**
   * The sweeper (every minute): gives each orphaned send (see SendsRepository.findOrphaned) a
   * new delivery job. Delivery resumes at its first undelivered file and keeps its count of
   * failed ChatService attempts, so MAX_SEND_ATTEMPTS still holds. Returns how many it requeued.
   */
  async requeueOrphaned(olderThanSeconds: number, limit = 500): Promise<number> {
    const orphans = await this.sends.findOrphaned(JOBS.SEND_DELIVER, olderThanSeconds, limit);
    for (const orphan of orphans) {
      await inTransaction(this.database, async ({ db, executor }) => {
        await this.sends.with(db).touch(orphan.id);
        await enqueueInTransaction(this.queue, executor, JOBS.SEND_DELIVER, { sendId: orphan.id, accountId: orphan.accountId }, deliveryJobOptions(this.config));
      });
      this.log.warn('sends.requeued_orphan', { sendId: orphan.id });
    }
    if (orphans.length > 0) this.wakeWorkers.notify();
    return orphans.length;
  }

  async list(viewer: Viewer | null, filter: SendListFilter | null | undefined, first: number | null | undefined, after: string | null | undefined) {
    const { accountId } = requirePermission(viewer, Permission.HISTORY_READ);
    const size = first ?? DEFAULT_PAGE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
      throw AppError.badInput('first', InputReason.INVALID_VALUE, `first must be from 1 to ${MAX_PAGE}.`);
    }
    const page = await this.sends.page(accountId, filter ?? {}, size, after ? decodeCursor(after) : null);
    const details = await this.details(page.rows.map((r) => r.send.id));
    const edges = page.rows.map((r) => ({
      cursor: encodeCursor({ createdAt: r.cursorAt, id: r.send.id }),
      node: { ...r.send, actionName: r.actionName, ...details(r.send.id) },
    }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      // Counted only when totalCount is selected (SendConnectionResolver): counting a large
      // history costs far more than reading one page.
      countAll: () => this.sends.count(accountId, filter ?? {}),
    };
  }

  async get(viewer: Viewer | null, id: string) {
    const { accountId } = requirePermission(viewer, Permission.HISTORY_READ);
    const row = await this.sends.findWithAction(accountId, id);
    if (!row) return null;
    const details = await this.details([row.send.id]);
    return { ...row.send, actionName: row.actionName, ...details(row.send.id) };
  }

  private async details(sendIds: string[]) {
    const [files, attempts] = await Promise.all([this.sends.filesFor(sendIds), this.sends.attemptsFor(sendIds)]);
    return (sendId: string) => ({
      files: files.filter((f) => f.sendId === sendId),
      attempts: attempts.filter((a) => a.sendId === sendId).map((a) => ({ ...a, id: String(a.id) })),
    });
  }

  private validate(input: InvokeInput) {
    const conversationId = input.conversationId.trim();
    if (!conversationId || conversationId.length > MAX_CONVERSATION_ID_CHARS) {
      throw AppError.badInput('conversationId', InputReason.INVALID_VALUE, `conversationId must be 1 to ${MAX_CONVERSATION_ID_CHARS} characters.`);
    }
    const idempotencyKey = input.idempotencyKey?.trim() || null;
    if (idempotencyKey && idempotencyKey.length > MAX_KEY_CHARS) {
      throw AppError.badInput('idempotencyKey', InputReason.TOO_LONG, `idempotencyKey must be at most ${MAX_KEY_CHARS} characters.`);
    }
    if (input.caption && input.caption.length > MAX_CALL_CAPTION_CHARS) {
      throw AppError.badInput('caption', InputReason.TOO_LONG, `caption must be at most ${MAX_CALL_CAPTION_CHARS} characters.`);
    }
    return { actionId: input.actionId, conversationId, caption: input.caption ?? null, idempotencyKey };
  }

  /**
   * With a key, only the key identifies a repeat (a new key is a deliberate new send).
   * Without one, the same action and conversation within the duplicate window is a repeat.
   */
  private findDuplicate(sends: SendsRepository, accountId: string, call: { actionId: string; conversationId: string; idempotencyKey: string | null }) {
    if (call.idempotencyKey) return sends.findByIdempotencyKey(accountId, call.idempotencyKey, IDEMPOTENCY_KEY_TTL_SECONDS);
    if (this.config.duplicateWindowSeconds === 0 || !isUuid(call.actionId)) return Promise.resolve(undefined);
    return sends.findRecent(accountId, call.actionId, call.conversationId, this.config.duplicateWindowSeconds);
  }

  /** SPEC section 5.4, in order: channel, then each file against the channel, then storage. */
  private async preSendGuard(channelId: string, channel: ChannelRule | null, files: AttachmentRow[]): Promise<GuardFailure | null> {
    if (!channel || !channel.supportsAttachments) {
      return { reason: SendFailureReason.CHANNEL_UNSUPPORTED, detail: `${channel?.label ?? channelId} does not support attachments` };
    }
    for (const file of files) {
      const refusal = channelRefusal(channel, { kind: file.kind as FileKind, extension: file.extension, sizeBytes: file.sizeBytes });
      if (refusal) return { reason: SendFailureReason.CHANNEL_LIMIT_EXCEEDED, detail: `${file.fileName}: ${refusal}` };
    }
    if (files.length === 0) return { reason: SendFailureReason.FILE_MISSING, detail: 'the action has no pinned files' };
    for (const file of files) {
      if (!(await this.blobs.has(file.sha256))) {
        return { reason: SendFailureReason.FILE_MISSING, detail: `${file.fileName}: stored file ${file.sha256.slice(0, 12)}… is missing` };
      }
    }
    return null;
  }
}
