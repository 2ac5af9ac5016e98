import type { Sql } from './db.js';

/** A lock statement that gets no answer in this long means the connection is gone. */
const LOCK_TIMEOUT_MS = 5000;

/**
 * Session-level advisory locks on one reserved connection, for work that must not run twice at
 * once across processes even when a queue hands a job out twice (pg-boss is at-least-once).
 * If the process dies, its connection closes and Postgres drops the locks with it.
 * (Transaction-scoped locks are `lockUntilCommit` in db.ts.)
 */
export class SessionLocks {
  private connection: Promise<Awaited<ReturnType<Sql['reserve']>>> | undefined;

  constructor(private readonly sql: Sql) {}

  private conn() {
    this.connection ??= this.sql.reserve();
    return this.connection;
  }

  async tryLock(key: string): Promise<boolean> {
    const [row] = await this.run((conn) => conn`select pg_try_advisory_lock(hashtext(${key})) as locked`);
    return row?.locked === true;
  }

  async unlock(key: string): Promise<void> {
    await this.run((conn) => conn`select pg_advisory_unlock(hashtext(${key}))`);
  }

  /**
   * A failed statement usually means the connection died (Postgres restarted): its locks died
   * with it, so the next call reserves a fresh connection instead of reusing the dead one.
   */
  private async run<T>(fn: (conn: Awaited<ReturnType<Sql['reserve']>>) => Promise<T>): Promise<T> {
    const reserved = this.conn();
    let timer: NodeJS.Timeout | undefined;
    try {
      // A reserved connection whose server went away can leave a statement unanswered for ever
      // (seen after a Postgres restart): the job would then never settle.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`advisory lock statement unanswered after ${LOCK_TIMEOUT_MS} ms`)), LOCK_TIMEOUT_MS);
      });
      return await Promise.race([reserved.then(fn), timeout]);
    } catch (error) {
      if (this.connection === reserved) this.connection = undefined;
      void reserved.then((conn) => conn.release()).catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.connection) return;
    const conn = await this.connection;
    conn.release();
    this.connection = undefined;
  }
}
