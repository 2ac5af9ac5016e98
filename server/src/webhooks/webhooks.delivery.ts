import type { JobWithMetadata } from 'pg-boss';
import type { WebhookSettings } from '../infra/config/config.js';
import { inTransaction, type Database, type DbOrTx } from '../infra/db/db.js';
import { OutboundError, postGuarded, type LookupFunction } from '../infra/http/outbound-guard.js';
import type { Logger } from '../infra/log/logger.js';
import type { JobOutcome } from '../infra/queue/concurrent-worker.js';
import { enqueueInTransaction, JOBS, type JobPayloads, type Queue, type QueueDefinitionSettings } from '../infra/queue/queue.js';
import type { WakeNotifier } from '../infra/queue/wake-notifier.js';
import { SecretsError } from '../infra/secrets/secrets.js';
import { webhookDeliveryContext } from './delivery-context.query.js';
import { webhookHeaders } from './webhook-signature.js';
import type { WebhookSecrets } from './webhook-secrets.js';
import { WEBHOOK_LIMITS, WebhookAttemptError, WebhookDeliveryStatus, webhookMessageId } from './webhooks.model.js';
import type { AttemptRecord, WebhooksRepository } from './webhooks.repository.js';

export type WebhookJob = JobWithMetadata<JobPayloads[typeof JOBS.WEBHOOK_DELIVER]>;

/**
 * The webhook queue's settings. Each attempt is its own job, enqueued with the backoff's
 * `startAfter` in the transaction that records the attempt before it (so the delivery row
 * knows its next attempt exactly, and shows it). pg-boss's own retries only cover a run cut
 * short (its worker died or stalled): it is run again as the same attempt, same webhook-id.
 */
export function webhookQueueSettings(settings: Pick<WebhookSettings, 'timeoutMs'>): QueueDefinitionSettings {
  return {
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    heartbeatSeconds: 30,
    expireInSeconds: Math.ceil(settings.timeoutMs / 1000) + 60,
  };
}

/** One attempt's job, grouped by account (the worker caps each account's share); `startAfter` holds it back. */
export function enqueueWebhookAttempt(queue: Queue, db: DbOrTx, job: WebhookJob['data'], startAfter?: Date) {
  return enqueueInTransaction(queue, db, JOBS.WEBHOOK_DELIVER, job, { group: { id: job.accountId }, ...(startAfter ? { startAfter } : {}) });
}

/** Seconds before attempt `next` (2, 3, …): the base doubling at each attempt, capped, plus up to 10 % jitter. */
export function retryDelaySeconds(settings: Pick<WebhookSettings, 'retryDelaySeconds' | 'maxRetryDelaySeconds'>, next: number, random = Math.random()): number {
  const base = Math.min(settings.maxRetryDelaySeconds, settings.retryDelaySeconds * 2 ** Math.max(0, next - 2));
  return Math.round(base * (1 + random * 0.1));
}

/**
 * The outbox relay: puts the deliveries the fan-out trigger wrote onto the queue, one job
 * each, and marks them, in one transaction (a crash in between leaves the rows unmarked, to be
 * taken again: at least once). It polls a partial index of unqueued rows, so an idle poll reads
 * an empty index; the trigger sends no NOTIFY (see migrations/0007_webhooks.sql).
 */
export class WebhookRelay {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private current: Promise<void> | undefined;

  constructor(
    private readonly database: Database,
    private readonly webhooks: WebhooksRepository,
    private readonly queue: Queue,
    private readonly notifier: WakeNotifier,
    private readonly pollMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.running = true;
    const tick = () => {
      this.current = this.drain()
        .then(() => undefined)
        .catch((error: unknown) => this.log.error('webhooks.relay_failed', { error }))
        .finally(() => {
          if (this.running) this.timer = setTimeout(tick, this.pollMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current;
  }

  /** Enqueues every unqueued delivery, in batches; the number enqueued. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = await inTransaction(this.database, async (db) => {
        const repo = this.webhooks.with(db);
        const rows = await repo.takeUnqueued(100);
        for (const row of rows) {
          await enqueueWebhookAttempt(this.queue, db, { deliveryId: row.id, accountId: row.accountId, attempt: 1 });
        }
        await repo.markEnqueued(rows.map((r) => r.id));
        return rows.length;
      });
      total += moved;
      if (moved > 0) this.notifier.notify();
      if (moved < 100 || !this.running) return total;
    }
  }
}

export interface WebhookDeliveryDeps {
  database: Database;
  webhooks: WebhooksRepository;
  secrets: WebhookSecrets;
  queue: Queue;
  settings: Readonly<WebhookSettings>;
  log: Logger;
  /** The resolver the address guard checks (dns.lookup unless a test gives another). */
  lookup?: LookupFunction;
}

/** Runs one attempt of one delivery: sign, post through the address guard, record, schedule the next. */
export class WebhookDelivery {
  constructor(private readonly deps: WebhookDeliveryDeps) {}

  async handle(job: WebhookJob): Promise<JobOutcome> {
    const { deliveryId, accountId, attempt } = job.data;
    const { database, webhooks, settings, log } = this.deps;
    if (!(await webhooks.claimAttempt(deliveryId, attempt, job.retryCount > 0))) {
      // Deleted with its endpoint, already recorded, or a late duplicate run.
      return { settle: 'complete', output: { status: 'SKIPPED' } };
    }
    const context = await webhookDeliveryContext(database.db, accountId, deliveryId);
    if (!context) return { settle: 'complete', output: { status: 'SKIPPED' } };

    const started = Date.now();
    let record: Omit<AttemptRecord, 'status' | 'nextAttemptAt' | 'durationMs'>;
    let retryable = true;
    if (!context.enabled) {
      record = { httpStatus: null, errorCode: WebhookAttemptError.ENDPOINT_DISABLED, error: 'The endpoint is disabled.', responseExcerpt: null };
      retryable = false;
    } else {
      record = await this.attempt(context, deliveryId);
    }
    const delivered = record.errorCode === null;
    const more = !delivered && retryable && !job.data.once && attempt < settings.maxAttempts;
    const delaySeconds = more ? retryDelaySeconds(settings, attempt + 1) : 0;
    const nextAttemptAt = more ? new Date(Date.now() + delaySeconds * 1000) : null;
    const status = delivered ? WebhookDeliveryStatus.DELIVERED : more ? WebhookDeliveryStatus.PENDING : WebhookDeliveryStatus.FAILED;

    await inTransaction(database, async (db) => {
      const recorded = await webhooks.with(db).recordAttempt(accountId, deliveryId, attempt, {
        ...record,
        durationMs: Date.now() - started,
        status,
        nextAttemptAt,
      });
      if (recorded && more) {
        await enqueueWebhookAttempt(this.deps.queue, db, { deliveryId, accountId, attempt: attempt + 1 }, nextAttemptAt!);
      }
    });
    if (!delivered) log.info('webhooks.attempt_failed', { deliveryId, attempt, errorCode: record.errorCode, httpStatus: record.httpStatus, final: !more });
    return { settle: 'complete', output: { status, attempt, httpStatus: record.httpStatus, errorCode: record.errorCode } };
  }

  private async attempt(
    context: NonNullable<Awaited<ReturnType<typeof webhookDeliveryContext>>>,
    deliveryId: string,
  ): Promise<Omit<AttemptRecord, 'status' | 'nextAttemptAt' | 'durationMs'>> {
    const { settings } = this.deps;
    let secret: string;
    try {
      secret = this.deps.secrets.open(context.accountId, context.endpointId, context.secretSealed);
    } catch (error) {
      if (!(error instanceof SecretsError)) throw error;
      // A key problem of this process (docs/deployment.md): retried, as another node may have the key.
      return { httpStatus: null, errorCode: WebhookAttemptError.SECRET_UNAVAILABLE, error: `The signing secret cannot be opened: ${error.message}`, responseExcerpt: null };
    }
    const { timestamp, ...data } = context.event.properties;
    const body = JSON.stringify({
      type: context.event.name,
      timestamp: typeof timestamp === 'string' ? timestamp : context.event.createdAt.toISOString(),
      data,
    });
    try {
      const response = await postGuarded(context.url, body, webhookHeaders(secret, webhookMessageId(deliveryId), body), {
        allowHttp: settings.allowHttp,
        allowPrivateAddresses: settings.allowPrivateAddresses,
        connectTimeoutMs: settings.connectTimeoutMs,
        timeoutMs: settings.timeoutMs,
        maxBodyBytes: WEBHOOK_LIMITS.maxResponseExcerptBytes,
        lookup: this.deps.lookup,
      });
      const base = { httpStatus: response.status, responseExcerpt: response.excerpt || null };
      if (response.status >= 200 && response.status < 300) return { ...base, errorCode: null, error: null };
      if (response.status >= 300 && response.status < 400) {
        return { ...base, errorCode: WebhookAttemptError.REDIRECT, error: `Answered ${response.status}${response.location ? ` to ${response.location.slice(0, 200)}` : ''}; redirects are not followed.` };
      }
      return { ...base, errorCode: WebhookAttemptError.HTTP_ERROR, error: `Answered HTTP ${response.status}.` };
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      return { httpStatus: null, errorCode: WebhookAttemptError[error.code], error: error.message, responseExcerpt: null };
    }
  }
}
