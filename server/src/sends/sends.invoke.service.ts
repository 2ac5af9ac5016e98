import { createHash, randomUUID } from 'node:crypto';
import { Permission, SEND_ATTACHMENT_FLAG } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import type { ChatServiceCredentialsStore } from '../accounts/chat-service-credentials.js';
import type { ChatServiceAdapter } from '../chat-service/chat-service.adapter.js';
import { EVENTS } from '../events/events.js';
import type { Config } from '../infra/config/config.js';
import { actionChangeLock } from '../actions/actions.repository.js';
import { inTransaction, lockUntilCommit, type Database } from '../infra/db/db.js';
import { AppError, ConflictReason, ErrorCode, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import { requireConversationId } from '../infra/input-rules.js';
import type { Logger } from '../infra/log/logger.js';
import { captionFor } from './caption.js';
import { prepareInvokeContext, type EarlierCall, type EarlierSend } from './invoke-context.query.js';
import { ACTION_CHANGED, insertInvokedSend, type InvokedSend, type InvokeEvents } from './invoke-write.query.js';
import type { SendGuard } from './send-guard.js';
import type { DeliveryQueue } from './sends.delivery.js';
import type { SendsRepository } from './sends.repository.js';
import { FileDelivery, ReceiptStatus, RejectReason, SendFileStatus, SendStatus, type SendReceipt } from './sends.model.js';

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
/** Reads of the action one call makes at most when saves keep overtaking it. */
const MAX_PASSES = 3;
/** Stands in for an action id that is not a UUID: matches no row, so the call is NOT_FOUND. */
const NO_ACTION = '00000000-0000-0000-0000-000000000000';

const rejected = (reason: RejectReason): SendReceipt => ({ sendId: null, status: ReceiptStatus.REJECTED, reason, deduplicated: false });

function receiptOf(send: EarlierSend, deduplicated: boolean): SendReceipt {
  const failed = send.receiptStatus === ReceiptStatus.FAILED;
  return {
    sendId: send.id,
    status: failed ? ReceiptStatus.FAILED : ReceiptStatus.QUEUED,
    reason: failed ? send.reason : null,
    deduplicated,
  };
}

/**
 * What a call with an idempotency key asked for: a reuse of the key must ask the same (SPEC
 * section 5). The call's own caption counts, even in MANUAL mode where it is not sent.
 */
function requestFingerprint(call: { actionId: string; conversationId: string; caption: string | null }): string {
  return createHash('sha256').update(JSON.stringify([call.actionId, call.conversationId, call.caption])).digest('hex');
}

/**
 * The receipt of the earlier call this one repeats; refused when a key is reused for another
 * request (a row written before fingerprints were kept has none, and is taken as the same).
 */
function replay(earlier: EarlierCall, fingerprint: string | null): SendReceipt {
  if (fingerprint && earlier.requestFingerprint && earlier.requestFingerprint !== fingerprint) {
    throw new AppError(
      ErrorCode.CONFLICT,
      `This idempotencyKey was already used for another request (send ${earlier.id}) with a different action, conversation or caption. Use a new key for a new request.`,
      undefined,
      ConflictReason.IDEMPOTENCY_KEY_REUSED,
      { sendId: earlier.id },
    );
  }
  return receiptOf(earlier, true);
}

/** The idempotency key is held by another send (thrown to roll the transaction back). */
class KeyHeld extends Error {}

/** A rollback or a save committed after the invoke's first read (thrown to roll the transaction back). */
class Overtaken extends Error {
  constructor(readonly reason: RejectReason | typeof ACTION_CHANGED) {
    super(reason);
  }
}

/** invokeSendAttachment: the AI service's call, checked, recorded and queued in one transaction. */
export class SendInvokeService {
  constructor(
    private readonly database: Database,
    private readonly sends: SendsRepository,
    private readonly guard: SendGuard,
    private readonly chatService: ChatServiceAdapter,
    private readonly credentials: ChatServiceCredentialsStore,
    private readonly deliveries: DeliveryQueue,
    private readonly config: Readonly<Config>,
    private readonly log: Logger,
  ) {
    this.loadContext = prepareInvokeContext(database.db);
  }

  private readonly loadContext: ReturnType<typeof prepareInvokeContext>;

  /**
   * invokeSendAttachment (SPEC section 5). Refusals of the call itself are REJECTED receipts
   * with no row and no event; everything else records a send, a triggered event and either
   * a queued delivery job or (a pre-send guard failed) a send_failed event.
   */
  async invoke(viewer: Viewer | null, input: InvokeInput): Promise<SendReceipt> {
    const { accountId } = requirePermission(viewer, Permission.INVOKE);
    const call = this.validate(input);
    return this.invokeOnce(accountId, call, call.idempotencyKey ? requestFingerprint(call) : null, false);
  }

  /**
   * A builder's "Send a test" (test-sends.service.ts, which checks the conversation is one of
   * the account's test conversations): the same path, guards and delivery, marked as a test.
   * The agent need not be trained yet (a test comes before training); the flag and an enabled
   * action are still required. No idempotency key: the duplicate window collapses a double click.
   */
  invokeTest(accountId: string, actionId: string, conversationId: string): Promise<SendReceipt> {
    return this.invokeOnce(accountId, this.validate({ actionId, conversationId }), null, true);
  }

  private async invokeOnce(accountId: string, call: ReturnType<SendInvokeService['validate']>, fingerprint: string | null, test: boolean) {
    // A save of the action that commits while this call looks the room up may have unpinned the
    // files it read: the call starts over with the action as it is now.
    for (let pass = 1; ; pass++) {
      const receipt = await this.invokeAsRead(accountId, call, fingerprint, test);
      if (receipt !== ACTION_CHANGED) return receipt;
      if (pass === MAX_PASSES) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `The action was saved ${MAX_PASSES} times while this call was being made. Call again.`,
          undefined,
          ConflictReason.STALE_VERSION,
        );
      }
    }
  }

  /** One pass of invoke over the action as one read finds it; ACTION_CHANGED when it was saved before the write. */
  private async invokeAsRead(
    accountId: string,
    call: ReturnType<SendInvokeService['validate']>,
    fingerprint: string | null,
    test: boolean,
  ): Promise<SendReceipt | typeof ACTION_CHANGED> {
    // One prepared statement reads everything the checks below need (invoke is the hot path,
    // see docs/benchmarks.md): flag, action, training, ChatService token, pinned files, and an
    // earlier call this one repeats.
    const context = await this.loadContext({
      accountId,
      actionId: isUuid(call.actionId) ? call.actionId : NO_ACTION,
      flag: SEND_ATTACHMENT_FLAG,
      idempotencyKey: call.idempotencyKey,
      conversationId: call.conversationId,
      keyTtlSeconds: IDEMPOTENCY_KEY_TTL_SECONDS,
      duplicateWindowSeconds: this.config.duplicateWindowSeconds,
    });
    if (!context) throw AppError.notFound('account');
    // A replay answers what the first call answered, even if the action changed since.
    if (context.earlier) return replay(context.earlier, fingerprint);
    if (!context.flagOn) return rejected(RejectReason.FEATURE_DISABLED);
    const { action, pinned } = context;
    if (!action) return rejected(RejectReason.NOT_FOUND);
    if (!action.enabled) return rejected(RejectReason.ACTION_DISABLED);
    if (!context.trained && !test) return rejected(RejectReason.NOT_TRAINED);

    const settings = this.credentials.open({ accountId, sealedToken: context.sealedToken, organizationId: context.organizationId });
    const verdict = await this.guard.check(settings, await this.chatService.lookupRoom(settings, call.conversationId), pinned, action.linkFallback);
    // Unknown, or another account's (the adapter checks the room's owner).
    if (verdict.kind === 'not_found') return rejected(RejectReason.NOT_FOUND);
    const { channelId, channel, failure, asLink } = verdict;

    const who = { account_id: accountId, agent_id: action.agentId, action_id: action.id, ...(test ? { is_test: true as const } : {}) };
    const sendId = randomUUID();
    const send: InvokedSend = {
      id: sendId,
      accountId,
      agentId: action.agentId,
      actionId: action.id,
      actionVersion: action.version,
      conversationId: call.conversationId,
      channel: channelId,
      status: failure ? SendStatus.FAILED : SendStatus.QUEUED,
      receiptStatus: failure ? ReceiptStatus.FAILED : ReceiptStatus.QUEUED,
      reason: failure?.reason ?? null,
      reasonDetail: failure?.detail ?? null,
      caption: captionFor(action, call.caption, channel),
      idempotencyKey: call.idempotencyKey,
      requestFingerprint: fingerprint,
      completedAt: failure ? new Date() : null,
      linkFallback: action.linkFallback,
      isTest: test,
      files: pinned.map((a, position) => ({
        position,
        attachmentId: a.id,
        fileName: a.fileName,
        mimeType: a.mimeType,
        kind: a.kind,
        sizeBytes: a.sizeBytes,
        sha256: a.sha256,
        status: failure ? SendFileStatus.FAILED : SendFileStatus.PENDING,
        delivery: asLink.has(a.id) ? FileDelivery.AS_LINK : FileDelivery.AS_FILE,
      })),
      events: [
        { name: EVENTS.ACTION_TRIGGERED, properties: { ...who, conversation_id: call.conversationId } },
        ...(failure
          ? [{
              name: EVENTS.SEND_FAILED,
              properties: { ...who, channel: channelId, reason: failure.reason, conversation_id: call.conversationId, send_id: sendId, detail: failure.detail },
            }]
          : []),
      ] as InvokeEvents,
    };

    // Twice at most: a key held by a send older than its lifetime is released and claimed again.
    for (let round = 0; ; round++) {
      const outcome = await this.record(send, Boolean(failure)).catch((error: unknown) => {
        if (error instanceof KeyHeld || error instanceof Overtaken) return error;
        throw error;
      });
      if (outcome instanceof Overtaken) return outcome.reason === ACTION_CHANGED ? ACTION_CHANGED : rejected(outcome.reason);
      if (!(outcome instanceof KeyHeld)) {
        if (outcome.deduplicated) return receiptOf(outcome.send, true);
        if (failure) this.log.info('sends.guard_failed', { sendId, reason: failure.reason, detail: failure.detail });
        // After the commit, so the job is visible to the worker it wakes (see WakeNotifier).
        else this.deliveries.wakeWorkers();
        return receiptOf(outcome.send, false);
      }
      const holder = await this.sends.releaseExpiredKey(accountId, call.idempotencyKey!, IDEMPOTENCY_KEY_TTL_SECONDS);
      if (holder) return replay(holder, fingerprint);
      if (round > 0) throw new Error(`idempotency key of send ${sendId} stayed held after its release`);
    }
  }

  /**
   * Writes the send (and queues its delivery unless the guard failed it) in one transaction:
   * the rows in one statement, pipelined with the pg-boss job on the same connection. With a
   * key, the unique index is what collapses duplicates (KeyHeld rolls the job back); without
   * one, a lock on action and conversation serialises the duplicate window's check. The
   * action's change lock, held shared until the commit, orders the send against a change of
   * the action: the write's own check sees any change committed before, and a change
   * waits for this commit (its cancellation then happens at delivery).
   */
  private record(send: InvokedSend, failed: boolean): Promise<{ send: EarlierSend; deduplicated: boolean }> {
    return inTransaction(this.database, async (db) => {
      if (!send.idempotencyKey) {
        const sends = this.sends.with(db);
        const [, duplicate] = await Promise.all([
          sends.lockTransaction(`invoke:${send.accountId}:${send.actionId}:${send.conversationId}`),
          this.config.duplicateWindowSeconds > 0
            ? sends.findRecent(send.accountId, send.actionId, send.conversationId, this.config.duplicateWindowSeconds)
            : undefined,
        ]);
        // Checked again under the lock: of two concurrent duplicates, the second waits and finds the first.
        if (duplicate) return { send: duplicate, deduplicated: true };
      }
      // In this order on the connection: the write's check must come after the lock is granted.
      const [, write] = await Promise.all([
        lockUntilCommit(db, actionChangeLock(send.actionId), 'shared'),
        insertInvokedSend(db, send),
        failed ? null : this.deliveries.enqueue(db, send.id, send.accountId),
      ]);
      if (write.refusal) throw new Overtaken(write.refusal);
      if (!write.written) throw new KeyHeld();
      return { send: write.written, deduplicated: false };
    });
  }

  private validate(input: InvokeInput) {
    const conversationId = input.conversationId.trim();
    // The id becomes a segment of the ChatService URL path: a documented character set, no dot segments.
    requireConversationId(conversationId);
    // Compared exactly, as given (SPEC section 5); an empty key is no key.
    const idempotencyKey = input.idempotencyKey || null;
    if (idempotencyKey && idempotencyKey.length > MAX_KEY_CHARS) {
      throw AppError.badInput('idempotencyKey', InputReason.TOO_LONG, `idempotencyKey must be at most ${MAX_KEY_CHARS} characters.`);
    }
    if (input.caption && input.caption.length > MAX_CALL_CAPTION_CHARS) {
      throw AppError.badInput('caption', InputReason.TOO_LONG, `caption must be at most ${MAX_CALL_CAPTION_CHARS} characters.`);
    }
    return { actionId: input.actionId, conversationId, caption: input.caption ?? null, idempotencyKey };
  }
}
