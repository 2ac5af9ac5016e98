import type { JobWithMetadata } from 'pg-boss';
import type { Sql } from '../db/db.js';
import type { Logger } from '../log/logger.js';
import type { JobName, Queue } from './queue.js';

/** How a handler's run of one job ends: `complete` settles it, `retry` fails it so pg-boss retries it. */
export interface JobOutcome {
  settle: 'complete' | 'retry';
  output: Record<string, unknown>;
}

export interface ConcurrentWorkerOptions<T> {
  queue: Queue;
  name: JobName;
  /** Jobs run at once in this process. */
  concurrency: number;
  /**
   * At most this many jobs of one group (jobs sent with `group: { id }`, here an account) run at
   * once across every process, so one group's slow jobs cannot hold every slot. pg-boss enforces
   * it inside the fetch statement (`groupConcurrency`, counting the group's active jobs), so each
   * fetch can take a full batch.
   */
  perGroupConcurrency: number;
  /** Idle poll: the fallback when no NOTIFY wakes the worker (e.g. retries whose backoff ended). */
  pollMs: number;
  /** Heartbeats are sent at a third of this (the queue's heartbeatSeconds). */
  heartbeatSeconds: number;
  /** LISTEN here: producers NOTIFY it after their enqueue commits. */
  wakeChannel?: { sql: Sql; channel: string };
  handler: (job: JobWithMetadata<T>) => Promise<JobOutcome>;
  /** Releases what the handler holds, once no job runs any more. */
  onStopped?: () => Promise<void>;
  log: Logger;
}

/**
 * A pg-boss consumer that keeps every slot busy: it fetches up to its free slots (pg-boss leaves
 * out the groups at their cap), runs those jobs concurrently, settles each as it ends, fetches
 * again as soon as a slot frees, and sleeps only when nothing is fetchable. pg-boss owns the
 * rest: retries with backoff, heartbeat checks, expiry, dead letters, retention and the group cap.
 *
 * Why not pg-boss's `work()`: each of its `localConcurrency` workers fetches one batch, waits
 * for the whole batch to end, and then waits out its polling interval (at least 500 ms) unless
 * the batch came back full. Deliveries last from milliseconds to minutes, so a batch is held by
 * its slowest upload and a worker with one job delivers at most two a second.
 */
export class ConcurrentWorker<T extends object> {
  private readonly active = new Map<string, Promise<void>>();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly options: ConcurrentWorkerOptions<T>) {}

  async start(): Promise<void> {
    const { wakeChannel, log, heartbeatSeconds, queue, name } = this.options;
    this.running = true;
    if (wakeChannel) {
      const listener = await wakeChannel.sql.listen(wakeChannel.channel, () => this.wake());
      this.unlisten = listener.unlisten;
    }
    this.heartbeat = setInterval(() => {
      const ids = [...this.active.keys()];
      if (ids.length === 0) return;
      queue.touch(name, ids).catch((error: unknown) => log.warn('worker.heartbeat_failed', { queue: name, error: String(error) }));
    }, (heartbeatSeconds * 1000) / 3);
    this.loopDone = this.loop();
    log.info('worker.started', { queue: name, concurrency: this.options.concurrency });
  }

  /** Fetch now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops fetching and waits up to `timeoutMs` for running jobs; unfinished ones stop heartbeating and return. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.active.values()),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    clearInterval(this.heartbeat);
    await this.unlisten?.().catch(() => {});
    await this.options.onStopped?.();
  }

  private async loop(): Promise<void> {
    const { queue, name, concurrency, perGroupConcurrency, pollMs, log } = this.options;
    while (this.running) {
      const free = concurrency - this.active.size;
      let fetched = 0;
      if (free > 0) {
        try {
          const jobs = await queue.fetch<T>(name, { batchSize: free, includeMetadata: true, groupConcurrency: perGroupConcurrency });
          fetched = jobs.length;
          for (const job of jobs) this.launch(job);
        } catch (error) {
          log.error('worker.fetch_failed', { queue: name, error: String(error) });
        }
      }
      // Took some: go again at once (the group cap may have left jobs of other groups behind the
      // batch). Full: wait for a slot. Nothing fetchable: wait for work or a finished job.
      if (fetched > 0 && this.active.size < concurrency) continue;
      await this.sleep(this.active.size >= concurrency ? 60_000 : pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private launch(job: JobWithMetadata<T>): void {
    const { queue, name, handler, log } = this.options;
    const run = (async () => {
      let outcome: JobOutcome;
      try {
        outcome = await handler(job);
      } catch (error) {
        // A bug or a database outage: pg-boss retries the job like any failed run.
        log.error('worker.job_crashed', { queue: name, jobId: job.id, error });
        outcome = { settle: 'retry', output: { status: 'CRASHED', error: (error as Error)?.message ?? String(error) } };
      }
      try {
        if (outcome.settle === 'retry') await queue.fail(name, job.id, outcome.output);
        else await queue.complete(name, job.id, outcome.output);
      } catch (error) {
        // The job's heartbeat stops with this run, so it comes back; the handler makes that harmless.
        log.error('worker.settle_failed', { queue: name, jobId: job.id, error: String(error) });
      }
    })().finally(() => {
      this.active.delete(job.id);
      this.wake();
    });
    this.active.set(job.id, run);
  }
}
