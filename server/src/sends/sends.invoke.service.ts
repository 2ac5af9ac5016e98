import { Permission, SEND_ATTACHMENT_FLAG } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import type { ChatServiceCredentialsStore } from '../accounts/chat-service-credentials.js';
import type { ChatServiceAdapter } from '../chat-service/chat-service.adapter.js';
import { EVENTS, recordEvent } from '../events/events.js';
import type { FilesRepository } from '../files/files.repository.js';
import type { Config } from '../infra/config/config.js';
import { inTransaction, type Database } from '../infra/db/db.js';
import { AppError, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import { requireConversationId } from '../infra/input-rules.js';
import type { Logger } from '../infra/log/logger.js';
import { captionFor } from './caption.js';
import { loadInvokeContext } from './invoke-context.query.js';
import type { SendGuard } from './send-guard.js';
import type { DeliveryQueue } from './sends.delivery.js';
import type { SendRow, SendsRepository } from './sends.repository.js';
import { ReceiptStatus, RejectReason, SendFileStatus, SendStatus, type SendReceipt } from './sends.model.js';

export interface InvokeInput {
  actionId: string;
  conversationId: string;
  caption?: string | null;
  idempotencyKey?: string | null;
}

/** Idempotency keys are honoured for this long (SPEC section 5). */
export const IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 60 * 60;
const MAX_KEY_CHARS = 255;
const MAX_CALL_CAPTION_CHARS = 10_000;
/** Stands in for an action id that is not a UUID: matches no row, so the call is NOT_FOUND. */
const NO_ACTION = '00000000-0000-0000-0000-000000000000';

const rejected = (reason: RejectReason): SendReceipt => ({ sendId: null, status: ReceiptStatus.REJECTED, reason, deduplicated: false });

function receiptOf(send: SendRow, deduplicated: boolean): SendReceipt {
  const failed = send.receiptStatus === ReceiptStatus.FAILED;
  return {
    sendId: send.id,
    status: failed ? ReceiptStatus.FAILED : ReceiptStatus.QUEUED,
    reason: failed ? send.reason : null,
    deduplicated,
  };
}

/** invokeSendAttachment: the AI service's call, checked, recorded and queued in one transaction. */
export class SendInvokeService {
  constructor(
    private readonly database: Database,
    private readonly sends: SendsRepository,
    private readonly files: FilesRepository,
    private readonly guard: SendGuard,
    private readonly chatService: ChatServiceAdapter,
    private readonly credentials: ChatServiceCredentialsStore,
    private readonly deliveries: DeliveryQueue,
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
    // account's ChatService settings); and the pinned files.
    const actionId = isUuid(call.actionId) ? call.actionId : NO_ACTION;
    const [earlier, context, pinned] = await Promise.all([
      this.findDuplicate(this.sends, accountId, call),
      loadInvokeContext(this.database.db, accountId, actionId, SEND_ATTACHMENT_FLAG),
      this.files.listPinned(accountId, [actionId]),
    ]);
    // A replay answers what the first call answered, even if the action changed since.
    if (earlier) return receiptOf(earlier, true);
    if (!context) throw AppError.notFound('account');
    if (!context.flagOn) return rejected(RejectReason.FEATURE_DISABLED);
    const { action } = context;
    if (!action) return rejected(RejectReason.NOT_FOUND);
    if (!action.enabled) return rejected(RejectReason.ACTION_DISABLED);
    if (!context.trained) return rejected(RejectReason.NOT_TRAINED);

    const who = this.credentials.open({ accountId, sealedToken: context.sealedToken, organizationId: context.organizationId });
    const verdict = await this.guard.check(who, await this.chatService.lookupRoom(who, call.conversationId), pinned);
    // Unknown, or another account's (the adapter checks the room's owner).
    if (verdict.kind === 'not_found') return rejected(RejectReason.NOT_FOUND);
    const { channelId, channel, failure } = verdict;
    const caption = captionFor(action, call.caption, channel);

    let queued = false;
    const receipt = await inTransaction(this.database, async (db) => {
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
        status: failure ? SendStatus.FAILED : SendStatus.QUEUED,
        receiptStatus: failure ? ReceiptStatus.FAILED : ReceiptStatus.QUEUED,
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
          status: failure ? SendFileStatus.FAILED : SendFileStatus.PENDING,
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
          this.deliveries.enqueue(db, send.id, accountId),
        ]);
        queued = true;
      }
      return receiptOf(send, false);
    });
    // After the commit, so the job is visible to the worker it wakes (see WakeNotifier).
    if (queued) this.deliveries.wakeWorkers();
    return receipt;
  }

  private validate(input: InvokeInput) {
    const conversationId = input.conversationId.trim();
    // The id becomes a segment of the ChatService URL path: a documented character set, no dot segments.
    requireConversationId(conversationId);
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
}
