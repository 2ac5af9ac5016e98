import type { JobWithMetadata, Queue as QueueDefinition } from 'pg-boss';
import type { ChatServiceCredentialsStore } from '../accounts/chat-service-credentials.js';
import { SEND_ATTACHMENT_FLAG } from '../accounts/roles.js';
import type { ChannelId } from '../channels/channels.js';
import type { ChatServiceAdapter, ChatServiceCredentials, SendOutcome } from '../chat-service/chat-service.adapter.js';
import { EVENTS } from '../events/events.js';
import { MAX_FILES_PER_ACTION, type FileKind } from '../files/limits.js';
import type { BlobStore } from '../files/storage.js';
import type { Config } from '../infra/config/config.js';
import { inTransaction, type Database, type Db, type DbOrTx } from '../infra/db/db.js';
import type { SessionLocks } from '../infra/db/session-locks.js';
import { isUuid } from '../infra/ids.js';
import type { Logger } from '../infra/log/logger.js';
import type { JobOutcome } from '../infra/queue/concurrent-worker.js';
import { enqueueInTransaction, JOBS, type JobPayloads, type Queue } from '../infra/queue/queue.js';
import type { WakeNotifier } from '../infra/queue/wake-notifier.js';
import { linkMessage, type DownloadLinks } from './download-links.js';
import { OUTCOMES } from './failure-reasons.js';
import { openDelivery, type DeliveryFile, type DeliverySend } from './delivery-context.query.js';
import { finishSend } from './finish-send.query.js';
import type { SendsRepository } from './sends.repository.js';
import { FileDelivery, FINAL_SEND_STATUSES, MAX_SEND_ATTEMPTS, SendCancelReason, SendFailureReason, SendFileStatus, SendStatus } from './sends.model.js';

export type DeliveryJob = JobWithMetadata<JobPayloads[typeof JOBS.SEND_DELIVER]>;

/** What every end-of-send event says about the send it records. */
function eventSubject(send: DeliverySend) {
  return { account_id: send.accountId, agent_id: send.agentId, action_id: send.actionId, conversation_id: send.conversationId, send_id: send.id };
}

/**
 * What one run of a delivery job ended with. SENT / FAILED / SKIPPED complete the job;
 * RETRY and BUSY fail it, so pg-boss schedules the next run with its backoff. (A run that
 * throws is recorded by the worker as CRASHED and retried the same way.)
 */
export enum DeliveryStatus {
  SENT = 'SENT',
  FAILED = 'FAILED',
  /** Already final (a duplicate run after an expiry): nothing to do. */
  SKIPPED = 'SKIPPED',
  /** A rollback (flag off, action disabled or deleted) overtook the send: nothing sent. */
  CANCELLED = 'CANCELLED',
  RETRY = 'RETRY',
  /**
   * ChatService said how long to wait (a 429 or 503 with Retry-After): this job completes and
   * a new one, starting after that wait, carries on (pg-boss's backoff cannot be set per run).
   */
  DEFERRED = 'DEFERRED',
  /** Another worker holds the send's lock. */
  BUSY = 'BUSY',
}

/**
 * Runs pg-boss may make beyond MAX_SEND_ATTEMPTS: a run cut short by a dying worker, or
 * one that found the send locked, is not a ChatService attempt, so it must not use one up.
 */
const EXTRA_RUNS = 3;

/**
 * The delivery queue's settings. A run sends every file in turn, each bounded by the upload
 * timeout, so expiry (the most one run may take) follows from that; a dead worker is noticed
 * sooner, by its missing heartbeat. A job pg-boss gives up on goes to the dead letter queue,
 * whose handler gives the send a fresh job (DeliveryQueue.requeueDead).
 */
export function deliveryQueueSettings(
  config: Pick<Config, 'sendRetryDelaySeconds' | 'sendJobHeartbeatSeconds' | 'chatServiceUploadTimeoutMs' | 'chatServiceTimeoutMs'>,
): Omit<QueueDefinition, 'name'> {
  const perFileSeconds = Math.ceil((config.chatServiceUploadTimeoutMs + config.chatServiceTimeoutMs) / 1000);
  return {
    retryLimit: MAX_SEND_ATTEMPTS - 1 + EXTRA_RUNS,
    retryDelay: config.sendRetryDelaySeconds,
    retryBackoff: config.sendRetryDelaySeconds > 0,
    heartbeatSeconds: config.sendJobHeartbeatSeconds,
    expireInSeconds: MAX_FILES_PER_ACTION * perFileSeconds + 60,
    deadLetter: JOBS.SEND_DELIVER_DEAD,
  };
}

const SETTLE: Record<DeliveryStatus, JobOutcome['settle']> = {
  [DeliveryStatus.SENT]: 'complete',
  [DeliveryStatus.FAILED]: 'complete',
  [DeliveryStatus.SKIPPED]: 'complete',
  [DeliveryStatus.CANCELLED]: 'complete',
  [DeliveryStatus.RETRY]: 'retry',
  [DeliveryStatus.DEFERRED]: 'complete',
  [DeliveryStatus.BUSY]: 'retry',
};

/** The send's reason for each final refusal of an upload. */
const FINAL_REASONS: Readonly<Record<Exclude<SendOutcome['kind'], 'delivered' | 'retry'>, SendFailureReason>> = {
  credentials: SendFailureReason.CREDENTIALS,
  refused: SendFailureReason.CHANNEL_LIMIT_EXCEEDED,
  rejected: SendFailureReason.CLIENT_ERROR,
};

export interface SendDeliveryDeps {
  db: Db;
  sends: SendsRepository;
  blobs: BlobStore;
  chatService: ChatServiceAdapter;
  credentials: ChatServiceCredentialsStore;
  /** For a run that ends in a Retry-After: the send's next job. */
  deliveries: DeliveryQueue;
  locks: SessionLocks;
  links: DownloadLinks;
  log: Logger;
}

/**
 * The delivery job handler. Each file has its own state, so a later run resumes at the
 * first file not yet delivered and never sends a delivered one again; each file carries its
 * own Idempotency-Key, so a file whose answer was lost (the worker died mid-call) is not
 * stored twice by ChatService either.
 */
export class SendDelivery {
  constructor(private readonly deps: SendDeliveryDeps) {}

  close(): Promise<void> {
    return this.deps.locks.close();
  }

  /** The worker's handler: one run of a delivery job. */
  async handle(job: DeliveryJob): Promise<JobOutcome> {
    const status = await this.run(job);
    return { settle: SETTLE[status], output: { status } };
  }

  async run(job: DeliveryJob): Promise<DeliveryStatus> {
    const { sendId, accountId } = job.data;
    const { locks } = this.deps;
    const lock = `send:${sendId}`;
    if (!(await locks.tryLock(lock))) return DeliveryStatus.BUSY;
    try {
      return await this.deliver(job, sendId, accountId);
    } finally {
      await locks.unlock(lock).catch((error) => this.deps.log.warn('sends.unlock_failed', { sendId, error: String(error) }));
    }
  }

  private async deliver(job: DeliveryJob, sendId: string, accountId: string): Promise<DeliveryStatus> {
    const { sends, blobs, credentials } = this.deps;
    // One statement: marks the send SENDING and reads it, its files, the account and any rollback.
    const context = isUuid(sendId) ? await openDelivery(this.deps.db, { sendId, accountId, flag: SEND_ATTACHMENT_FLAG }) : undefined;
    if (!context || (FINAL_SEND_STATUSES as readonly SendStatus[]).includes(context.send.status)) return DeliveryStatus.SKIPPED;
    const { send, files } = context;
    // Rolled back since the invoke (SPEC section 5): nothing more is sent, on any run.
    if (context.cancelReason) return this.cancel(send, context.cancelReason);
    const who = credentials.open({ accountId, sealedToken: context.sealedToken, organizationId: context.organizationId });

    const attempt = send.failedAttempts + 1;
    // pg-boss will not run the job again after this run: whatever happens now is final.
    const lastRun = job.retryCount >= job.retryLimit;
    for (const file of files) {
      if (file.status === SendFileStatus.DELIVERED) continue;
      // A link serves the stored file too: without it there is nothing to send either way.
      if (!(await blobs.has(file.sha256))) {
        await sends.markFileFailed(file.id);
        return this.fail(send, SendFailureReason.FILE_MISSING, `${file.fileName}: stored file is missing`);
      }
      let { outcome, attemptRow } = await this.attempt(who, send, file, attempt);
      if (outcome.kind === 'refused' && file.delivery === FileDelivery.AS_FILE && send.linkFallback) {
        // ChatService (or its provider) will not carry this file: the action allows a link instead.
        await sends.switchToLink(attemptRow);
        file.delivery = FileDelivery.AS_LINK;
        this.deps.log.info('sends.file_as_link', { sendId, sendFileId: file.id, error: outcome.error });
        ({ outcome, attemptRow } = await this.attempt(who, send, file, attempt));
      }
      if (outcome.kind === 'delivered') {
        await sends.recordDelivered(attemptRow, outcome.messageId);
        continue;
      }
      await sends.recordAttempt(attemptRow);
      if (outcome.kind !== 'retry') {
        await sends.markFileFailed(file.id);
        if (outcome.kind === 'credentials') {
          this.deps.log.warn('chat_service.credentials_refused', { accountId, sendId, httpStatus: outcome.httpStatus, during: 'delivery' });
        }
        return this.fail(send, FINAL_REASONS[outcome.kind], `${file.fileName}: ${outcome.error}`);
      }
      // 5xx, 429/503, a timeout, a redirect, a 2xx without a message id: one attempt used up.
      const failedAttempts = await sends.addFailedAttempt(sendId);
      this.deps.log.info('sends.attempt_failed', { sendId, attempt, error: outcome.error, retryAfterSeconds: outcome.retryAfterSeconds });
      if (failedAttempts >= MAX_SEND_ATTEMPTS || lastRun) {
        await sends.markFileFailed(file.id);
        const reason = outcome.unconfirmed ? SendFailureReason.UNCONFIRMED : SendFailureReason.SERVER_ERROR;
        return this.fail(send, reason, `${file.fileName}: ${outcome.error} (attempt ${attempt} of ${MAX_SEND_ATTEMPTS})`);
      }
      if (outcome.retryAfterSeconds !== null) {
        // The wait ChatService asked for (bounded by the adapter), instead of the queue's backoff.
        await this.deps.deliveries.enqueue(this.deps.db, sendId, accountId, { startAfterSeconds: outcome.retryAfterSeconds });
        return DeliveryStatus.DEFERRED;
      }
      return DeliveryStatus.RETRY;
    }
    return this.succeed(send, files);
  }

  /** One call to ChatService for the file: the file itself, or a text with a download link to it. */
  private async attempt(who: ChatServiceCredentials, send: DeliverySend, file: DeliveryFile, attempt: number) {
    const { chatService, blobs, links } = this.deps;
    const startedAt = new Date();
    // Invoke queues a send only once its room's channel is one of ours.
    const channel = send.channel as ChannelId;
    const caption = file.position === 0 ? send.caption : null;
    const outcome =
      file.delivery === FileDelivery.AS_LINK
        ? await chatService.sendText(who, {
            channel,
            roomId: send.conversationId,
            text: linkMessage(file, links.create(file.id), caption),
            // Not the file's own key: ChatService may keep its answer to the refused file under that one.
            idempotencyKey: `${file.id}.link`,
          })
        : await chatService.sendFile(who, {
            channel,
            roomId: send.conversationId,
            type: file.kind as FileKind,
            fileName: file.fileName,
            mimeType: file.mimeType,
            sizeBytes: file.sizeBytes,
            open: () => blobs.read(file.sha256),
            text: caption,
            idempotencyKey: file.id,
          });
    const attemptRow = {
      sendId: send.id,
      sendFileId: file.id,
      attempt,
      startedAt,
      durationMs: outcome.durationMs,
      httpStatus: outcome.httpStatus,
      error: outcome.kind === 'delivered' ? null : outcome.error,
      responseExcerpt: outcome.excerpt,
    };
    return { outcome, attemptRow };
  }

  private async succeed(send: DeliverySend, files: DeliveryFile[]): Promise<DeliveryStatus> {
    await finishSend(this.deps.db, send.id, {
      status: SendStatus.SENT,
      reason: null,
      reasonDetail: null,
      event: {
        name: EVENTS.SENT,
        properties: {
          ...eventSubject(send),
          channel: send.channel!,
          file_count: files.length,
          link_file_count: files.filter((f) => f.delivery === FileDelivery.AS_LINK).length,
        },
      },
    });
    return DeliveryStatus.SENT;
  }

  private async fail(send: DeliverySend, reason: SendFailureReason, detail: string): Promise<DeliveryStatus> {
    await finishSend(this.deps.db, send.id, {
      status: SendStatus.FAILED,
      reason,
      reasonDetail: detail,
      event: {
        name: EVENTS.SEND_FAILED,
        properties: {
          ...eventSubject(send),
          channel: send.channel,
          reason,
          detail,
        },
      },
    });
    this.deps.log.info('sends.failed', { sendId: send.id, reason, detail });
    return DeliveryStatus.FAILED;
  }

  /** Ends a send a rollback overtook: its files not yet delivered are never sent. */
  private async cancel(send: DeliverySend, reason: SendCancelReason): Promise<DeliveryStatus> {
    await finishSend(this.deps.db, send.id, {
      status: SendStatus.CANCELLED,
      reason,
      reasonDetail: OUTCOMES[reason].description,
      event: {
        name: EVENTS.SEND_CANCELLED,
        properties: {
          ...eventSubject(send),
          channel: send.channel,
          reason,
        },
      },
    });
    this.deps.log.info('sends.cancelled', { sendId: send.id, reason });
    return DeliveryStatus.CANCELLED;
  }
}

/** Puts sends on the delivery queue: at invoke, and again when pg-boss gave up on a job. */
export class DeliveryQueue {
  constructor(
    private readonly database: Database,
    private readonly sends: SendsRepository,
    private readonly queue: Queue,
    private readonly notifier: WakeNotifier,
    private readonly log: Logger,
  ) {}

  /**
   * One delivery job per send, in the caller's transaction, grouped by account so a worker can
   * cap each account's share; `startAfterSeconds` holds it back (a Retry-After).
   */
  enqueue(db: DbOrTx, sendId: string, accountId: string, options: { startAfterSeconds?: number } = {}): Promise<string | null> {
    return enqueueInTransaction(
      this.queue,
      db,
      JOBS.SEND_DELIVER,
      { sendId, accountId },
      { group: { id: accountId }, ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}) },
    );
  }

  /** After the enqueue committed, so the job is visible to the worker it wakes (see WakeNotifier). */
  wakeWorkers(): void {
    this.notifier.notify();
  }

  /**
   * The dead letter queue's handler: pg-boss gave up on a send's delivery job (every run it
   * allowed was cut short, e.g. by dying workers; docs/runtime.md). An unfinished send gets a
   * fresh job; delivery resumes at its first undelivered file and keeps its count of failed
   * ChatService attempts, so MAX_SEND_ATTEMPTS still holds. True when it requeued.
   */
  async requeueDead(sendId: string, accountId: string): Promise<boolean> {
    const requeued = await inTransaction(this.database, async (db) => {
      const send = await this.sends.with(db).touchUnfinished(accountId, sendId);
      if (send) await this.enqueue(db, send.id, accountId);
      return Boolean(send);
    });
    if (requeued) {
      this.log.warn('sends.requeued_dead_job', { sendId });
      this.wakeWorkers();
    }
    return requeued;
  }
}
