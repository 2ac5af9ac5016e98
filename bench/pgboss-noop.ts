import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../server/src/infra/log/logger.js';
import { startQueue, type Queue } from '../server/src/infra/queue/queue.js';

/**
 * The baseline for end-to-end delivery: pg-boss alone moving no-op jobs on the same database,
 * shaped like our path. `produce` sends jobs one by one (one transaction each, like invoke) from
 * `concurrency` callers; `consume` runs the sends worker's loop (fetch up to 8 free slots, settle
 * each job by id with `complete`, fetch again at once while jobs come, poll every 20 ms when idle)
 * with a handler that does nothing.
 *
 *   node --import tsx bench/pgboss-noop.ts consume <databaseUrl>
 *   node --import tsx bench/pgboss-noop.ts produce <databaseUrl> <count> <concurrency>
 */
export const NOOP_QUEUE = 'bench.noop';
const SLOTS = 8;

/** The same pg-boss settings as the server's queue (pool of 5), without maintenance or schedules. */
async function open(url: string): Promise<Queue> {
  const boss = await startQueue(url, createLogger('error'), { schedule: false, supervise: false });
  await boss.createQueue(NOOP_QUEUE);
  return boss;
}

async function consume(url: string) {
  const boss = await open(url);
  let running = true;
  process.once('SIGTERM', () => (running = false));
  const active = new Set<Promise<void>>();
  console.error('noop.consumer_started');
  while (running) {
    const free = SLOTS - active.size;
    const jobs = free > 0 ? await boss.fetch(NOOP_QUEUE, { batchSize: free }) : [];
    for (const job of jobs) {
      const run: Promise<void> = boss
        .complete(NOOP_QUEUE, job.id)
        .then(() => undefined)
        .finally(() => active.delete(run));
      active.add(run);
    }
    if (jobs.length > 0 && jobs.length === free) continue;
    if (active.size >= SLOTS) await Promise.race(active);
    else await new Promise((r) => setTimeout(r, jobs.length > 0 ? 0 : 20));
  }
  await Promise.all(active);
  await boss.stop({ graceful: false });
}

async function produce(url: string, count: number, concurrency: number) {
  const boss = await open(url);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await boss.send(NOOP_QUEUE, { n: next });
      }
    }),
  );
  await boss.stop({ graceful: false });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [role, url, count, concurrency] = process.argv.slice(2);
  if (role === 'consume') await consume(url!);
  else if (role === 'produce') await produce(url!, Number(count), Number(concurrency));
  else throw new Error(`unknown role ${role}`);
  process.exit(0);
}
