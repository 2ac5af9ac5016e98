import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../server/src/infra/db/embedded.js';
import { createLogger } from '../server/src/infra/log/logger.js';
import { JOBS, startQueue } from '../server/src/infra/queue/queue.js';
import { report } from './lib.js';

/**
 * The delivery fetch alone: the statement pg-boss 12 runs for `fetch(…, { groupConcurrency })`,
 * on a delivery queue holding BACKLOG jobs ready over 8 accounts and HISTORY completed ones, run
 * the way pg-boss sends it (unnamed text, parsed and planned on every call: the baseline) and as a
 * named prepared statement (what patches/pg-boss@12.38.0.patch makes pg-boss send). Each fetch
 * runs in a transaction that is rolled back, so every run sees the same queue. The statistics are
 * fresh (VACUUM ANALYZE, as autovacuum would leave them).
 */
const BACKLOG = Number(process.env.BACKLOG ?? 5000);
const HISTORY = Number(process.env.HISTORY ?? 20_000);
const FETCHES = Number(process.env.FETCHES ?? 400);
const ROUNDS = 3;
const round2 = (x: number) => Math.round(x * 100) / 100;

const log = createLogger('error');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-bench-fetch-'));
const pg = await startEmbeddedPostgres(dir, log, { persistent: false, durable: true });
const boss = await startQueue(pg.url, log, { schedule: false, supervise: false });
const sql = postgres(pg.url, { max: 1, onnotice: () => {} });

try {
  const name = JOBS.SEND_DELIVER;
  const job = (i: number) => ({ data: { sendId: String(i), accountId: `account-${i % 8}` }, group: { id: `account-${i % 8}` } });
  for (let done = 0; done < BACKLOG + HISTORY; done += 1000) {
    await boss.insert(name, Array.from({ length: Math.min(1000, BACKLOG + HISTORY - done) }, (_, i) => job(done + i)));
  }
  for (let done = 0; done < HISTORY; done += 1000) {
    const jobs = await boss.fetch(name, { batchSize: Math.min(1000, HISTORY - done) });
    await boss.complete(name, jobs.map((j) => j.id));
  }
  // Some sends in flight, so the per-account count has something to count.
  await boss.fetch(name, { batchSize: 6, groupConcurrency: 4 });
  await sql`vacuum analyze pgboss.job_common`;

  // The statement and values exactly as pg-boss builds them for the worker's fetch.
  const db = boss.getDb() as { executeSql(text: string, values?: unknown[]): Promise<unknown> };
  const executeSql = db.executeSql.bind(db);
  let fetch: { text: string; values: unknown[] } | undefined;
  db.executeSql = (text: string, values?: unknown[]) => {
    if (text.includes('active_group_count_map')) fetch = { text, values: values ?? [] };
    return executeSql(text, values);
  };
  await boss.fetch(name, { batchSize: 8, groupConcurrency: 4 }).then((jobs) => boss.complete(name, jobs.map((j) => j.id)));
  db.executeSql = executeSql;
  if (!fetch) throw new Error('no group fetch seen');

  const conn = await sql.reserve();
  const perFetchMs = async (prepare: boolean) => {
    const run = async () => {
      await conn`begin`;
      const rows = await conn.unsafe(fetch!.text, fetch!.values as never[], { prepare });
      await conn`rollback`;
      if (rows.length !== 8) throw new Error(`the fetch took ${rows.length} jobs, not 8`);
    };
    for (let i = 0; i < 10; i++) await run();
    const started = process.hrtime.bigint();
    for (let i = 0; i < FETCHES; i++) await run();
    return Number(process.hrtime.bigint() - started) / 1e6 / FETCHES;
  };
  const unnamed: number[] = [];
  const named: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    unnamed.push(await perFetchMs(false));
    named.push(await perFetchMs(true));
  }
  conn.release();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.error(`  per fetch, ${ROUNDS} rounds of ${FETCHES}: unnamed ${unnamed.map((x) => x.toFixed(2)).join(', ')} ms; prepared ${named.map((x) => x.toFixed(2)).join(', ')} ms`);
  report([
    {
      name: `delivery fetch (batch 8, account cap 4), ${BACKLOG} queued: prepared`,
      value: round2(median(named)),
      unit: 'ms',
      baseline: { name: 'the same fetch as unnamed text, as pg-boss sends it', value: round2(median(unnamed)) },
    },
  ]);
} finally {
  await sql.end();
  await boss.stop({ graceful: false });
  await pg.stop();
}
