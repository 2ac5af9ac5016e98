import { sql } from 'drizzle-orm';
import { fromDrizzle, PgBoss, type Queue as QueueDefinition, type SendOptions } from 'pg-boss';
import type { DbOrTx } from '../db/db.js';
import type { Logger } from '../log/logger.js';
import { upgradeLegacyQueueSchema } from './queue-upgrade.js';

/** Every job name, with its payload type. */
export const JOBS = {
  FILES_CLEANUP: 'files.cleanup',
  SEND_DELIVER: 'sends.deliver',
  /** Delivery jobs pg-boss gave up on (every run cut short): the sends get a fresh job. */
  SEND_DELIVER_DEAD: 'sends.deliver.dead',
  ALERTS_EVALUATE: 'alerts.evaluate',
  STATS_FOLD: 'stats.fold',
  ALERTS_WEBHOOK: 'alerts.webhook',
  /** One attempt of one account webhook delivery (webhooks/webhooks.delivery.ts). */
  WEBHOOK_DELIVER: 'webhooks.deliver',
  /** Removes finished webhook deliveries older than WEBHOOK_RETENTION_DAYS. */
  WEBHOOKS_CLEANUP: 'webhooks.cleanup',
} as const;

export type JobName = (typeof JOBS)[keyof typeof JOBS];

export interface JobPayloads {
  [JOBS.FILES_CLEANUP]: Record<string, never>;
  [JOBS.SEND_DELIVER]: { sendId: string; accountId: string };
  [JOBS.SEND_DELIVER_DEAD]: { sendId: string; accountId: string };
  [JOBS.ALERTS_EVALUATE]: Record<string, never>;
  [JOBS.STATS_FOLD]: Record<string, never>;
  [JOBS.ALERTS_WEBHOOK]: { eventId: string };
  /** `once`: a redelivery an ADMIN asked for, one attempt with no retries after it. */
  [JOBS.WEBHOOK_DELIVER]: { deliveryId: string; accountId: string; attempt: number; once?: boolean };
  [JOBS.WEBHOOKS_CLEANUP]: Record<string, never>;
}

/** NOTIFY channel raised after an enqueue commits, so idle delivery workers fetch at once. */
export const SENDS_QUEUED_CHANNEL = 'sends_queued';

export type Queue = PgBoss;

export interface QueueOptions {
  /** Run the cron schedules in this process (off in tests that do not need them, and in CLI commands). */
  schedule?: boolean;
  /** Run pg-boss's supervisor in this process: expiry, heartbeat checks, retention (off for CLI commands). */
  supervise?: boolean;
  /** How often the supervisor looks for jobs whose worker stopped heartbeating or ran past expiry. */
  superviseSeconds?: number;
}

/**
 * What a queue is beyond pg-boss's defaults (retries, heartbeat, expiry, dead letters). Set on
 * the queue, not on each job, so one definition covers every enqueue; applied at every start,
 * so every process sharing a database must run with the same settings.
 */
export type QueueDefinitionSettings = Omit<QueueDefinition, 'name'>;
export type QueueSettings = Partial<Record<JobName, QueueDefinitionSettings>>;

export async function startQueue(url: string, log: Logger, options: QueueOptions = {}, settings: QueueSettings = {}): Promise<Queue> {
  // pg-boss 11 changed its schema with no migration from 10: move a 10.x schema aside first.
  const legacy = await upgradeLegacyQueueSchema(url, log);
  const interval = options.superviseSeconds;
  const boss = new PgBoss({
    connectionString: url,
    max: 5,
    application_name: 'send-attachment-queue',
    schedule: options.schedule ?? true,
    supervise: options.supervise ?? true,
    ...(interval ? { superviseIntervalSeconds: interval, monitorIntervalSeconds: interval } : {}),
  });
  boss.on('error', (error: Error) => log.error('queue.error', { error: error.message }));
  await boss.start();
  // The dead letter queue must exist before the queue that names it.
  const order: JobName[] = [JOBS.SEND_DELIVER_DEAD, ...Object.values(JOBS).filter((n) => n !== JOBS.SEND_DELIVER_DEAD)];
  for (const name of order) {
    const wanted = settings[name];
    if (!(await boss.getQueue(name))) await boss.createQueue(name, wanted);
    else if (wanted) await boss.updateQueue(name, wanted);
  }
  await legacy?.carryOver(boss);
  return boss;
}

/**
 * Enqueues a job inside the caller's drizzle transaction (pg-boss's own adapter): a rollback
 * leaves no job.
 */
export async function enqueueInTransaction<N extends keyof JobPayloads>(
  queue: Queue,
  tx: DbOrTx,
  name: N,
  data: JobPayloads[N],
  options: Omit<SendOptions, 'db'> = {},
): Promise<string | null> {
  return queue.send(name, data as object, { ...options, db: fromDrizzle(tx, sql) });
}
