import postgres from 'postgres';
import type { PgBoss } from 'pg-boss';
import { rawExecutor } from '../db/db.js';
import type { Logger } from '../log/logger.js';

/**
 * pg-boss 11 rewrote its schema and ships no migration from 10.x (schema version 24; pg-boss 12
 * migrates only from 25 on). A database that ran the previous release has a 10.x `pgboss`
 * schema, possibly with queued deliveries in it. So before pg-boss 12 installs, the old schema
 * is renamed aside; once the new one exists, the old schema's unfinished jobs are inserted into
 * the new queues (with the new queues' settings) and the old schema is dropped, in one
 * transaction. Processes starting at once on such a database serialise on an advisory lock, and
 * the one that comes second finds nothing left to carry.
 */
const LEGACY_SCHEMA = 'pgboss_v10';
const FIRST_SUPPORTED_VERSION = 25;
const LOCK = 'send-attachment:queue-upgrade';

export interface LegacyQueue {
  carryOver(boss: PgBoss): Promise<number>;
}

export async function upgradeLegacyQueueSchema(url: string, log: Logger): Promise<LegacyQueue | undefined> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const aside = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${LOCK}))`;
      const [installed] = await tx`select to_regclass('pgboss.version') is not null as present`;
      if (installed?.present) {
        const [row] = await tx`select version from pgboss.version`;
        if (row && Number(row.version) < FIRST_SUPPORTED_VERSION) {
          await tx.unsafe(`alter schema pgboss rename to ${LEGACY_SCHEMA}`);
          log.warn('queue.legacy_schema_moved', { from: 'pgboss', to: LEGACY_SCHEMA, version: Number(row.version) });
        }
      }
      const [legacy] = await tx`select exists(select 1 from pg_namespace where nspname = ${LEGACY_SCHEMA}) as present`;
      return legacy?.present === true;
    });
    if (!aside) return undefined;
  } finally {
    await sql.end({ timeout: 5 });
  }
  return { carryOver: (boss) => carryOver(url, boss, log) };
}

async function carryOver(url: string, boss: PgBoss, log: Logger): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${LOCK}))`;
      const [legacy] = await tx`select exists(select 1 from pg_namespace where nspname = ${LEGACY_SCHEMA}) as present`;
      if (!legacy?.present) return 0;
      const queues = (await boss.getQueues()).map((q) => q.name);
      // 10.x states: created, retry, active are unfinished. An active job's worker belonged to
      // the old release, which is gone: it runs again (delivery is idempotent per file).
      const rows = await tx.unsafe<{ name: string; data: object | null; start_after: Date; singleton_key: string | null }[]>(
        `select name, data, start_after, singleton_key from ${LEGACY_SCHEMA}.job
          where state in ('created', 'retry', 'active') and name = any($1::text[]) order by created_on`,
        [queues],
      );
      const db = rawExecutor(tx);
      const byName = Map.groupBy(rows, (r) => r.name);
      for (const [name, jobs] of byName) {
        await boss.insert(
          name,
          jobs.map((j) => ({ data: j.data ?? {}, startAfter: j.start_after, singletonKey: j.singleton_key ?? undefined })),
          { db },
        );
      }
      await tx.unsafe(`drop schema ${LEGACY_SCHEMA} cascade`);
      log.warn('queue.legacy_jobs_carried_over', { jobs: rows.length, queues: [...byName.keys()] });
      return rows.length;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
