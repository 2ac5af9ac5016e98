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
   * At most this many of those may belong to one group (jobs sent with `group: { id }`, here an
   * account), so one group's slow jobs cannot hold every slot.
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
 * A pg-boss consumer that keeps every slot busy: it fetches up to its free slots (skipping
 * groups at their cap), runs those jobs concurrently, settles each as it ends, fetches again as
 * soon as a slot frees, and sleeps only when the queue is empty. pg-boss owns the rest:
 * retries with backoff, heartbeat checks, expiry, dead letters and retention.
 *
 * Why not pg-boss's `work()`: each of its `localConcurrency` workers fetches one batch, waits
 * for the whole batch to end, and then waits out its polling interval (at least 500 ms) unless
 * the batch came back full. Deliveries last from milliseconds to minutes, so a batch is held by
 * its slowest upload and a worker with one job delivers at most two a second.
 */
export class ConcurrentWorker<T extends object> {
  private readonly active = new Map<string, { group: string | null; run: Promise<void> }>();
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
      Promise.allSettled([...this.active.values()].map((a) => a.run)),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    clearInterval(this.heartbeat);
    await this.unlisten?.().catch(() => {});
    await this.options.onStopped?.();
  }

  /**
   * How many jobs one fetch may take. The fetch skips the groups already at their share, but any
   * batch could still be all one other group's jobs, so it is never larger than the least room a
   * group has left (a group with none running here has its whole share).
   */
  private batchSize(free: number): number {
    const share = this.options.perGroupConcurrency;
    let room = share;
    for (const running of this.runningPerGroup().values()) if (running < share) room = Math.min(room, share - running);
    return Math.min(free, room);
  }

  /** Jobs running here, per group. */
  private runningPerGroup(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { group } of this.active.values()) if (group) counts.set(group, (counts.get(group) ?? 0) + 1);
    return counts;
  }

  /** Groups with `perGroupConcurrency` jobs running here: the next fetch skips them. */
  private fullGroups(): string[] {
    return [...this.runningPerGroup()].filter(([, n]) => n >= this.options.perGroupConcurrency).map(([group]) => group);
  }

  private async loop(): Promise<void> {
    const { queue, name, concurrency, pollMs, log } = this.options;
    while (this.running) {
      const free = concurrency - this.active.size;
      let fetched = 0;
      let batchSize = 0;
      if (free > 0) {
        try {
          batchSize = this.batchSize(free);
          const jobs = await queue.fetch<T>(name, { batchSize, includeMetadata: true, ignoreGroups: this.fullGroups() });
          fetched = jobs.length;
          for (const job of jobs) this.launch(job);
        } catch (error) {
          log.error('worker.fetch_failed', { queue: name, error: String(error) });
        }
      }
      // Busy with a full batch: go again at once. Full: wait for a slot. Empty: wait for work.
      if (fetched > 0 && fetched === batchSize) continue;
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
    this.active.set(job.id, { group: job.groupId ?? null, run });
  }
}
