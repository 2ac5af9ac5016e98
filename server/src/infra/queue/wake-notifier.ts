import type { Sql } from '../db/db.js';
import type { Logger } from '../log/logger.js';

/**
 * Wakes idle delivery workers (their LISTEN) after an enqueue has committed.
 *
 * Not inside the enqueue transaction: a transaction that ran NOTIFY takes one database-wide
 * lock at commit and holds it through the WAL flush, so every invoking transaction queued
 * behind the previous one's fsync (measured: invoke stuck near 60 calls/s at any concurrency).
 * Here a burst of enqueues becomes at most one NOTIFY in flight plus one queued behind it,
 * each an autocommit statement outside the invoke's transaction.
 *
 * If the process dies between the commit and the NOTIFY, workers still find the job at their
 * next poll (WORKER_POLL_MS): the NOTIFY is a latency hint, never the only path to a job.
 */
export class WakeNotifier {
  private inFlight = false;
  private again = false;

  constructor(
    private readonly sql: Sql,
    private readonly channel: string,
    private readonly log: Logger,
  ) {}

  notify(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    this.sql`select pg_notify(${this.channel}, '')`
      .catch((error: unknown) => this.log.warn('queue.notify_failed', { channel: this.channel, error: String(error) }))
      .finally(() => {
        this.inFlight = false;
        if (this.again) {
          this.again = false;
          this.notify();
        }
      });
  }
}
