import type { Sql } from '../infra/db/db.js';
import type { Logger } from '../infra/log/logger.js';
import { extendActiveJobs, JOBS, SENDS_QUEUED_CHANNEL, type Queue } from '../infra/queue/queue.js';
import { DeliveryStatus, type DeliveryJob, type SendDelivery } from './sends.jobs.js';
import { errorForLog } from '../infra/log/error-for-log.js';

export interface SendWorkerOptions {
  queue: Queue;
  /** For LISTEN: enqueues NOTIFY at commit, so an idle worker starts at once. */
  sql: Sql;
  delivery: SendDelivery;
  concurrency: number;
  pollMs: number;
  /** Jobs are heartbeated at a third of this, so a live worker never loses its job to expiry. */
  jobExpireSeconds: number;
  log: Logger;
}

const JOB = JOBS.SEND_DELIVER;

/**
 * The delivery worker: its own loop on pg-boss primitives, because pg-boss 10's `work()`
 * sleeps a whole polling interval after every fetch (see STACK.md). It fetches up to its free
 * slots, runs those jobs concurrently, completes or fails each by id, fetches again as soon as
 * a slot frees, and sleeps only when the queue is empty: until a NOTIFY or `pollMs`. pg-boss
 * still owns retries with backoff, expiry and archiving.
 */
export class SendWorker {
  private readonly active = new Map<string, Promise<void>>();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly options: SendWorkerOptions) {}

  async start(): Promise<void> {
    const { sql, log, jobExpireSeconds } = this.options;
    this.running = true;
    const listener = await sql.listen(SENDS_QUEUED_CHANNEL, () => this.wake());
    this.unlisten = listener.unlisten;
    this.heartbeat = setInterval(() => {
      extendActiveJobs(this.options.queue, JOB, [...this.active.keys()]).catch((error) =>
        log.warn('worker.heartbeat_failed', { error: String(error) }),
      );
    }, Math.max(200, (jobExpireSeconds * 1000) / 3));
    this.loopDone = this.loop();
    log.info('worker.started', { concurrency: this.options.concurrency });
  }

  /** Fetch now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops fetching and waits up to `timeoutMs` for running deliveries; unfinished jobs expire and return. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.active.values()]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    clearInterval(this.heartbeat);
    await this.unlisten?.().catch(() => {});
    await this.options.delivery.close();
  }

  private async loop(): Promise<void> {
    const { queue, concurrency, pollMs, log } = this.options;
    while (this.running) {
      const free = concurrency - this.active.size;
      let fetched = 0;
      if (free > 0) {
        try {
          const jobs = (await queue.fetch(JOB, { batchSize: free, includeMetadata: true })) as DeliveryJob[];
          fetched = jobs.length;
          for (const job of jobs) this.launch(job);
        } catch (error) {
          log.error('worker.fetch_failed', { error: errorForLog(error) });
        }
      }
      // Busy with a full batch: go again at once. Full: wait for a slot. Empty: wait for work.
      if (fetched > 0 && fetched === free) continue;
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

  private launch(job: DeliveryJob): void {
    const { queue, delivery, log } = this.options;
    const run = (async () => {
      let status: DeliveryStatus;
      try {
        status = await delivery.run(job);
      } catch (error) {
        // A bug or a database outage: the run is retried like a 5xx, without counting against the send.
        log.error('worker.job_crashed', { jobId: job.id, sendId: job.data.sendId, error: errorForLog(error) });
        status = DeliveryStatus.BUSY;
      }
      try {
        if (status === DeliveryStatus.RETRY || status === DeliveryStatus.BUSY) await queue.fail(JOB, job.id, { status });
        else await queue.complete(JOB, job.id, { status });
      } catch (error) {
        // The job expires and runs again; the delivery state makes that harmless.
        log.error('worker.settle_failed', { jobId: job.id, error: errorForLog(error) });
      }
    })().finally(() => {
      this.active.delete(job.id);
      this.wake();
    });
    this.active.set(job.id, run);
  }
}
