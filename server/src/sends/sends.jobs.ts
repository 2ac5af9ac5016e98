import type PgBoss from 'pg-boss';
import type { AccountsRepository } from '../accounts/accounts.repository.js';
import type { ChatServiceClient } from '../chat-service/chat-service.client.js';
import { EVENTS, recordEvent } from '../events/events.js';
import type { FileKind } from '../files/limits.js';
import type { BlobStore } from '../files/storage.js';
import type { Config } from '../infra/config/config.js';
import type { Db, Sql } from '../infra/db/db.js';
import type { Logger } from '../infra/log/logger.js';
import type { JobPayloads, JOBS } from '../infra/queue/queue.js';
import type { SendFileRow, SendRow, SendsRepository } from './sends.repository.js';
import { MAX_SEND_ATTEMPTS, SendFailureReason } from './sends.model.js';

export type DeliveryJob = PgBoss.JobWithMetadata<JobPayloads[typeof JOBS.SEND_DELIVER]>;

/**
 * What one run of a delivery job ended with. SENT / FAILED / SKIPPED complete the job;
 * RETRY and BUSY fail it, so pg-boss schedules the next run with its backoff.
 */
export enum DeliveryStatus {
  SENT = 'SENT',
  FAILED = 'FAILED',
  /** Already final (a duplicate run after an expiry): nothing to do. */
  SKIPPED = 'SKIPPED',
  RETRY = 'RETRY',
  /** Another worker holds the send's lock. */
  BUSY = 'BUSY',
}

/**
 * Runs pg-boss may make beyond MAX_SEND_ATTEMPTS: a run cut short by a dying worker, or
 * one that found the send locked, is not a ChatService attempt, so it must not use one up.
 */
const EXTRA_RUNS = 3;

/** Per-job options: set on each job so config changes apply without touching the queue. */
export function deliveryJobOptions(config: Pick<Config, 'sendRetryDelaySeconds' | 'sendJobExpireSeconds'>) {
  return {
    retryLimit: MAX_SEND_ATTEMPTS - 1 + EXTRA_RUNS,
    retryDelay: config.sendRetryDelaySeconds,
    retryBackoff: config.sendRetryDelaySeconds > 0,
    expireInSeconds: config.sendJobExpireSeconds,
  };
}

/**
 * Session-level advisory locks on one reserved connection: a send is delivered by one
 * worker at a time even if its job is handed out twice (pg-boss is at-least-once). If the
 * process dies, its connection closes and Postgres drops the locks with it.
 */
const LOCK_TIMEOUT_MS = 5000;

export class SendLocks {
  private connection: Promise<Awaited<ReturnType<Sql['reserve']>>> | undefined;

  constructor(private readonly sql: Sql) {}

  private conn() {
    this.connection ??= this.sql.reserve();
    return this.connection;
  }

  async tryLock(sendId: string): Promise<boolean> {
    const [row] = await this.run((conn) => conn`select pg_try_advisory_lock(hashtext(${`send:${sendId}`})) as locked`);
    return row?.locked === true;
  }

  async unlock(sendId: string): Promise<void> {
    await this.run((conn) => conn`select pg_advisory_unlock(hashtext(${`send:${sendId}`}))`);
  }

  /**
   * A failed statement usually means the connection died (Postgres restarted): its locks died
   * with it, so the next call reserves a fresh connection instead of reusing the dead one.
   */
  private async run<T>(fn: (conn: Awaited<ReturnType<Sql['reserve']>>) => Promise<T>): Promise<T> {
    const reserved = this.conn();
    let timer: NodeJS.Timeout | undefined;
    try {
      // A reserved connection whose server went away can leave a statement unanswered for ever
      // (seen after a Postgres restart): the job would then never settle nor expire.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`advisory lock statement unanswered after ${LOCK_TIMEOUT_MS} ms`)), LOCK_TIMEOUT_MS);
      });
      return await Promise.race([reserved.then(fn), timeout]);
    } catch (error) {
      if (this.connection === reserved) this.connection = undefined;
      void reserved.then((conn) => conn.release()).catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.connection) return;
    const conn = await this.connection;
    conn.release();
    this.connection = undefined;
  }
}

export interface SendDeliveryDeps {
  db: Db;
  sends: SendsRepository;
  accounts: AccountsRepository;
  blobs: BlobStore;
  chatService: ChatServiceClient;
  locks: SendLocks;
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

  async run(job: DeliveryJob): Promise<DeliveryStatus> {
    const { sendId, accountId } = job.data;
    const { locks } = this.deps;
    if (!(await locks.tryLock(sendId))) return DeliveryStatus.BUSY;
    try {
      return await this.deliver(job, sendId, accountId);
    } finally {
      await locks.unlock(sendId).catch((error) => this.deps.log.warn('sends.unlock_failed', { sendId, error: String(error) }));
    }
  }

  private async deliver(job: DeliveryJob, sendId: string, accountId: string): Promise<DeliveryStatus> {
    const { sends, accounts, blobs, chatService } = this.deps;
    const send = await sends.find(accountId, sendId);
    if (!send || send.status === 'SENT' || send.status === 'FAILED') return DeliveryStatus.SKIPPED;
    const account = await accounts.findAccount(accountId);
    if (!account) return DeliveryStatus.SKIPPED;
    await sends.markSending(sendId);

    const attempt = send.failedAttempts + 1;
    // pg-boss will not run the job again after this run: whatever happens now is final.
    const lastRun = job.retryCount >= job.retryLimit;
    const files = await sends.files(sendId);
    for (const file of files) {
      if (file.status === 'DELIVERED') continue;
      if (!(await blobs.has(file.sha256))) {
        await sends.markFileFailed(file.id);
        return this.fail(send, SendFailureReason.FILE_MISSING, `${file.fileName}: stored file is missing`);
      }
      const startedAt = new Date();
      const outcome = await chatService.sendFile({
        token: account.chatServiceToken,
        channel: send.channel!,
        roomId: send.conversationId,
        type: file.kind as FileKind,
        fileName: file.fileName,
        mimeType: file.mimeType,
        sizeBytes: file.sizeBytes,
        open: () => blobs.read(file.sha256),
        text: file.position === 0 ? send.caption : null,
        idempotencyKey: file.id,
      });
      await sends.recordAttempt({
        sendId,
        sendFileId: file.id,
        attempt,
        startedAt,
        durationMs: outcome.durationMs,
        httpStatus: outcome.httpStatus,
        error: outcome.ok ? null : outcome.error,
      });
      if (outcome.ok) {
        await sends.markFileDelivered(file.id, outcome.messageId);
        continue;
      }
      if (!outcome.retryable) {
        await sends.markFileFailed(file.id);
        const reason = outcome.httpStatus === 413 ? SendFailureReason.CHANNEL_LIMIT_EXCEEDED : SendFailureReason.CLIENT_ERROR;
        return this.fail(send, reason, `${file.fileName}: ${outcome.error}`);
      }
      const failedAttempts = await sends.addFailedAttempt(sendId);
      this.deps.log.info('sends.attempt_failed', { sendId, attempt, error: outcome.error });
      if (failedAttempts >= MAX_SEND_ATTEMPTS || lastRun) {
        await sends.markFileFailed(file.id);
        return this.fail(send, SendFailureReason.SERVER_ERROR, `${file.fileName}: ${outcome.error} (attempt ${attempt} of ${MAX_SEND_ATTEMPTS})`);
      }
      return DeliveryStatus.RETRY;
    }
    return this.succeed(send, files);
  }

  private async succeed(send: SendRow, files: SendFileRow[]): Promise<DeliveryStatus> {
    await this.deps.db.transaction(async (tx) => {
      const finished = await this.deps.sends.with(tx).finish(send.id, { status: 'SENT' });
      if (!finished) return;
      await recordEvent(tx, EVENTS.SENT, {
        account_id: send.accountId,
        agent_id: send.agentId,
        action_id: send.actionId,
        channel: send.channel!,
        file_count: files.length,
        conversation_id: send.conversationId,
        send_id: send.id,
      });
    });
    return DeliveryStatus.SENT;
  }

  private async fail(send: SendRow, reason: SendFailureReason, detail: string): Promise<DeliveryStatus> {
    await this.deps.db.transaction(async (tx) => {
      const finished = await this.deps.sends.with(tx).finish(send.id, { status: 'FAILED', reason, reasonDetail: detail });
      if (!finished) return;
      await recordEvent(tx, EVENTS.SEND_FAILED, {
        account_id: send.accountId,
        agent_id: send.agentId,
        action_id: send.actionId,
        channel: send.channel,
        reason,
        conversation_id: send.conversationId,
        send_id: send.id,
        detail,
      });
    });
    this.deps.log.info('sends.failed', { sendId: send.id, reason, detail });
    return DeliveryStatus.FAILED;
  }
}
