import PgBoss from 'pg-boss';
import type { Tx } from '../db/db.js';
import type { Logger } from '../log/logger.js';

/** Every job name, with its payload type. */
export const JOBS = {
  FILES_CLEANUP: 'files.cleanup',
  ALERTS_EVALUATE: 'alerts.evaluate',
  ALERTS_WEBHOOK: 'alerts.webhook',
} as const;

export interface JobPayloads {
  [JOBS.FILES_CLEANUP]: Record<string, never>;
  [JOBS.ALERTS_EVALUATE]: Record<string, never>;
  [JOBS.ALERTS_WEBHOOK]: { eventId: string };
}

export type Queue = PgBoss;

export async function startQueue(url: string, log: Logger, options: { schedule?: boolean } = {}): Promise<Queue> {
  const boss = new PgBoss({
    connectionString: url,
    max: 5,
    application_name: 'send-attachment-queue',
    schedule: options.schedule ?? true,
  });
  boss.on('error', (error) => log.error('queue.error', { error: error.message }));
  await boss.start();
  for (const name of Object.values(JOBS)) await boss.createQueue(name);
  return boss;
}

/**
 * pg-boss's `db` option bound to a drizzle transaction: a job sent with it is written by that
 * transaction, so it exists exactly when the rows it belongs to do.
 */
export function queueDb(tx: Tx): PgBoss.Db {
  // drizzle's postgres-js transaction keeps its postgres.js transaction client in `session`.
  const session = (tx as unknown as { session: { queryObjects(text: string, params: unknown[]): Promise<unknown[]> } })
    .session;
  return {
    executeSql: async (text: string, values: unknown[] = []) => ({
      rows: await session.queryObjects(text, values.map(asNodePostgresWould)),
    }),
  } as PgBoss.Db;
}

/**
 * pg-boss is written for node-postgres, which sends undefined as null and plain objects as
 * JSON text; postgres.js refuses both as they are.
 */
function asNodePostgresWould(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value) && !Array.isArray(value)) {
    return JSON.stringify(value);
  }
  return value;
}
