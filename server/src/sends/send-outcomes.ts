import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import type { Sql } from '../infra/db/db.js';
import { AppError, InputReason } from '../infra/errors.js';
import type { Logger } from '../infra/log/logger.js';
import type { SendRow, SendsRepository } from './sends.repository.js';
import { FINAL_SEND_STATUSES, ReceiptStatus, SendStatus, type SendReceipt } from './sends.model.js';

/**
 * The NOTIFY channel a send's final status is announced on; the payload is the send id. The
 * statement that records the status sends it (finish-send.query.ts), so it is delivered exactly
 * when (and only if) the status commits.
 */
export const SEND_FINISHED_CHANNEL = 'sends_finished';

/** invokeSendAttachment's `waitMs` is at most this: a model turn cannot wait much longer. */
export const MAX_WAIT_MS = 10_000;


type Wake = () => void;

/**
 * invokeSendAttachment's `waitMs`: answers once the send is final or the wait ends.
 *
 * One LISTEN per process (postgres.js keeps every `sql.listen` of a pool on one connection),
 * fanned out in memory to the requests waiting on that send. A waiting request holds a map
 * entry and a timer, no database connection: it reads the send once when it starts waiting,
 * once per notification for its send, and once when the wait ends (so a notification lost
 * while the LISTEN connection was down costs accuracy of nothing but latency).
 */
export class SendOutcomes {
  private readonly waiters = new Map<string, Set<Wake>>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly sends: SendsRepository,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    // On every (re)connect of the LISTEN, notifications may have been missed: every waiter reads again.
    const listener = await this.sql.listen(SEND_FINISHED_CHANNEL, (sendId) => this.wake(sendId), () => this.wakeAll());
    this.unlisten = listener.unlisten;
  }

  async stop(): Promise<void> {
    await this.unlisten?.().catch((error: unknown) => this.log.warn('sends.unlisten_failed', { error: String(error) }));
  }

  /**
   * The wait a call asked for, checked after the caller's access (a refusal for the role comes
   * first, as everywhere): null for no wait.
   */
  requireWait(viewer: Viewer | null, waitMs: number | null | undefined): number | null {
    requirePermission(viewer, Permission.INVOKE);
    if (waitMs === null || waitMs === undefined) return null;
    if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > MAX_WAIT_MS) {
      throw AppError.badInput(
        'waitMs',
        InputReason.INVALID_VALUE,
        `waitMs must be a whole number of milliseconds from 0 to ${MAX_WAIT_MS} (10 seconds); leave it out to get the receipt at once.`,
      );
    }
    return waitMs === 0 ? null : waitMs;
  }

  /** A QUEUED receipt as it stands when the send is final or `waitMs` has passed; any other receipt as it is. */
  async settle(accountId: string, receipt: SendReceipt, waitMs: number): Promise<SendReceipt> {
    if (receipt.status !== ReceiptStatus.QUEUED || !receipt.sendId) return receipt;
    const send = await this.waitForFinal(accountId, receipt.sendId, Date.now() + waitMs);
    if (send?.status === SendStatus.SENT) return { ...receipt, status: ReceiptStatus.SENT, reason: null };
    // A receipt has no CANCELLED (SPEC section 4): to the caller, a rollback is a send that did not go out.
    if (send?.status === SendStatus.FAILED || send?.status === SendStatus.CANCELLED) return { ...receipt, status: ReceiptStatus.FAILED, reason: send.reason };
    return receipt;
  }

  private async waitForFinal(accountId: string, sendId: string, deadline: number): Promise<SendRow | undefined> {
    for (;;) {
      // Subscribed before reading, so a status committed between the read and the wait still wakes it.
      const woken = this.subscribe(sendId, deadline - Date.now());
      const send = await this.sends.find(accountId, sendId).catch((error: unknown) => {
        woken.cancel();
        throw error;
      });
      if (!send || isFinal(send) || Date.now() >= deadline) {
        woken.cancel();
        return send;
      }
      if (!(await woken.promise)) return this.sends.find(accountId, sendId);
    }
  }

  /** Resolves true when the send is announced (or the LISTEN reconnects), false when `ms` pass first. */
  private subscribe(sendId: string, ms: number): { promise: Promise<boolean>; cancel: () => void } {
    let wake!: Wake;
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<boolean>((resolve) => {
      wake = () => {
        cancel();
        resolve(true);
      };
      timer = setTimeout(() => {
        cancel();
        resolve(false);
      }, Math.max(0, ms));
    });
    const cancel = () => {
      clearTimeout(timer);
      const set = this.waiters.get(sendId);
      set?.delete(wake);
      if (set?.size === 0) this.waiters.delete(sendId);
    };
    const set = this.waiters.get(sendId) ?? new Set<Wake>();
    set.add(wake);
    this.waiters.set(sendId, set);
    return { promise, cancel };
  }

  private wake(sendId: string): void {
    const waiting = [...(this.waiters.get(sendId) ?? [])];
    if (waiting.length > 0) this.wakeUps++;
    for (const wake of waiting) wake();
  }

  private wakeAll(): void {
    for (const sendId of [...this.waiters.keys()]) this.wake(sendId);
  }

  /** Announcements that woke at least one waiting request, since start (for tests and logs). */
  wakeUps = 0;

  /** Requests waiting now (for tests and logs). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }
}

function isFinal(send: SendRow): boolean {
  return (FINAL_SEND_STATUSES as readonly SendStatus[]).includes(send.status);
}
