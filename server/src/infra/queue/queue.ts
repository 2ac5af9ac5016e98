import PgBoss from 'pg-boss';
import type { SqlExecutor } from '../db/db.js';
import type { Logger } from '../log/logger.js';

/** Every job name, with its payload type. */
export const JOBS = {
  FILES_CLEANUP: 'files.cleanup',
  SEND_DELIVER: 'sends.deliver',
  ALERTS_EVALUATE: 'alerts.evaluate',
  STATS_FOLD: 'stats.fold',
  ALERTS_WEBHOOK: 'alerts.webhook',
  SENDS_SWEEP: 'sends.sweep',
} as const;

export interface JobPayloads {
  [JOBS.FILES_CLEANUP]: Record<string, never>;
  [JOBS.SEND_DELIVER]: { sendId: string; accountId: string };
  [JOBS.ALERTS_EVALUATE]: Record<string, never>;
  [JOBS.STATS_FOLD]: Record<string, never>;
  [JOBS.ALERTS_WEBHOOK]: { eventId: string };
  [JOBS.SENDS_SWEEP]: Record<string, never>;
}

/** NOTIFY channel raised in the enqueue transaction, so idle workers wake at commit. */
export const SENDS_QUEUED_CHANNEL = 'sends_queued';

export type Queue = PgBoss;

export interface QueueOptions {
  schedule?: boolean;
  /** Run pg-boss maintenance in this process (off for short-lived CLI commands). */
  supervise?: boolean;
  /** pg-boss maintenance is what moves expired active jobs back to retry. */
  maintenanceIntervalSeconds?: number;
}

export async function startQueue(url: string, log: Logger, options: QueueOptions = {}): Promise<Queue> {
  const boss = new PgBoss({
    connectionString: url,
    max: 5,
    application_name: 'send-attachment-queue',
    schedule: options.schedule ?? true,
    supervise: options.supervise ?? true,
    ...(options.maintenanceIntervalSeconds ? { maintenanceIntervalSeconds: options.maintenanceIntervalSeconds } : {}),
  });
  boss.on('error', (error) => log.error('queue.error', { error: error.message }));
  await boss.start();
  for (const name of Object.values(JOBS)) await boss.createQueue(name);
  return boss;
}

/** Enqueues a job inside the caller's transaction: a rollback leaves no job. */
export async function enqueueInTransaction<N extends keyof JobPayloads>(
  queue: Queue,
  executor: SqlExecutor,
  name: N,
  data: JobPayloads[N],
  options: Omit<PgBoss.SendOptions, 'db'> = {},
): Promise<string | null> {
  return queue.send(name, data as object, { ...options, db: executor });
}

/**
 * Heartbeat: pg-boss 10 has none (11 adds one), and expires an active job `expireIn` after
 * `started_on`. Moving `started_on` forward for jobs we are still running lets expiry stay
 * short (a killed worker's job comes back within seconds) while a long upload keeps its job.
 * Only `started_on` of our own active jobs is touched; pg-boss reads it for expiry alone
 * (and, when non-null, to count a retry at the next fetch, which stays true).
 */
export async function extendActiveJobs(queue: Queue, name: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await queue.getDb().executeSql(
    `update pgboss.job set started_on = now() where name = $1 and id = any($2::uuid[]) and state = 'active'`,
    [name, ids],
  );
}
