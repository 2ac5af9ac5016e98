import PgBoss from 'pg-boss';
import type { Logger } from '../log/logger.js';

/** Every job name, with its payload type. */
export const JOBS = {
  FILES_CLEANUP: 'files.cleanup',
} as const;

export interface JobPayloads {
  [JOBS.FILES_CLEANUP]: Record<string, never>;
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
