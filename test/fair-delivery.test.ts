import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from './support/files.js';
import { addRoom, invoke, simulatorOf, waitFor, type SimulatorControl } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { spawnWorker, type WorkerProcess } from './support/worker-process.js';
import { createTrainedAction } from './support/factories.js';

/** Four slots; at most two of one account's sends at once (WORKER_ACCOUNT_CONCURRENCY, across every worker). */
const SHARE = 2;
const WORKER_ENV = {
  WORKER_POLL_MS: '100',
  SEND_JOB_HEARTBEAT_SECONDS: '10',
  QUEUE_MAINTENANCE_SECONDS: '1',
  WORKER_CONCURRENCY: '4',
  WORKER_ACCOUNT_CONCURRENCY: String(SHARE),
};

/**
 * Fair delivery (SPEC section 5): one account's deliveries cannot hold every worker slot. One
 * account has ten slow sends queued before another account's one send; the worker starts with
 * all eleven waiting, so its very first fetch could hand it four of the first account's jobs.
 */
describe('fair delivery across accounts', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ ...WORKER_ENV, WORKER_CONCURRENCY: '0' });
    sim = simulatorOf(stack);
  });
  afterAll(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGTERM')));
    await sim?.clearFaults();
    await stack?.stop();
  });

  async function queue(account: TestAccount, count: number) {
    const actionId = (await createTrainedAction(stack, account, { files: [{ name: 'menu.pdf', content: FILES.pdf(2100) }] })).id;
    const room = await addRoom(stack, account, 'whatsapp');
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await invoke(stack, account, { actionId, conversationId: room, idempotencyKey: `k-${i}` })).sendId!);
    return ids;
  }

  /**
   * One account's ten slow sends queued before another account's one, then `processes` workers
   * start with all eleven waiting: their first fetches could hand them the first account's jobs.
   */
  async function busyAndOther(processes: number) {
    const busy = await stack.createAccount();
    const other = await stack.createAccount();
    await queue(busy, 10);
    const [otherSend] = await queue(other, 1);
    // Every answer takes a second: the busy account's ten sends need five seconds at its share.
    await sim.setFaults({ latencyMs: 1000 });
    for (let i = 0; i < processes; i++) workers.push(spawnWorker(stack, WORKER_ENV));

    let most = 0;
    let busyLeftWhenOtherSent: number | undefined;
    await waitFor(
      async () => {
        const rows = await stack.sql<{ account_id: string; status: string; n: number }[]>`
          select account_id, status, count(*)::int as n from sends where account_id in (${busy.accountId}, ${other.accountId}) group by 1, 2`;
        const count = (account: string, ...statuses: string[]) =>
          rows.filter((r) => r.account_id === account && statuses.includes(r.status)).reduce((n, r) => n + r.n, 0);
        most = Math.max(most, count(busy.accountId, 'SENDING'));
        if (busyLeftWhenOtherSent === undefined && count(other.accountId, 'SENT') === 1) busyLeftWhenOtherSent = count(busy.accountId, 'QUEUED', 'SENDING');
        return count(busy.accountId, 'SENT') === 10 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: "the busy account's sends" },
    );
    const [row] = await stack.sql`select status from sends where id = ${otherSend}`;
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGTERM')));
    await sim.clearFaults();
    return { most, busyLeftWhenOtherSent, otherStatus: row!.status };
  }

  function expectFair({ most, busyLeftWhenOtherSent, otherStatus }: Awaited<ReturnType<typeof busyAndOther>>) {
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(SHARE);
    // The other account's send did not wait for the busy account's queue to drain.
    expect(busyLeftWhenOtherSent).toBeGreaterThanOrEqual(4);
    expect(otherStatus).toBe('SENT');
  }

  it("runs at most an account's share of the slots for it, so another account's send goes out while the first account's queue is still long", async () => {
    expectFair(await busyAndOther(1));
  }, 90_000);

  it("counts the share across worker processes: two workers together run no more of one account's sends than one would", async () => {
    expectFair(await busyAndOther(2));
  }, 90_000);
});
