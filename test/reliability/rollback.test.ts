import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_ATTACHMENT_FLAG } from '../../server/src/accounts/roles.js';
import { FILES } from '../support/files.js';
import { addRoom, invoke, simulatorOf, waitFor, type SimulatorControl } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { record } from './support/ledger.js';
import { createTrainedAction } from '../support/factories.js';

/** The runs of a rolled-back account that may be mid-send when the rollback commits: its cap across the workers. */
const IN_FLIGHT_PER_ACCOUNT = 4;
const WORKER_ENV = {
  WORKER_POLL_MS: '100',
  SEND_JOB_HEARTBEAT_SECONDS: '10',
  QUEUE_MAINTENANCE_SECONDS: '1',
  WORKER_CONCURRENCY: '8',
  WORKER_ACCOUNT_CONCURRENCY: String(IN_FLIGHT_PER_ACCOUNT),
};
const SENDS_PER_ACCOUNT = 150;
const FILES_PER_SEND = 2;

interface Tenant {
  account: TestAccount;
  actionId: string;
  room: string;
  sendIds: string[];
}

/**
 * Rollback while deliveries run: one account's flag is turned off and another account's action
 * deleted in the middle of delivering their queues, beside a third account left alone. What was
 * already on its way finishes; nothing the rollback overtook reaches ChatService; the third
 * account's sends are all delivered.
 */
describe('reliability: rollback in the middle of delivery', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    stack = await startTestStack({ ...WORKER_ENV, WORKER_CONCURRENCY: '0' });
    sim = simulatorOf(stack);
  });
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await stack?.stop();
  });

  async function tenant(name: string): Promise<Tenant> {
    const account = await stack.createAccount();
    const files = Array.from({ length: FILES_PER_SEND }, (_, i) => ({ name: `${name}-${i}.pdf`, content: FILES.pdf(2000 + i) }));
    const actionId = (await createTrainedAction(stack, account, { files })).id;
    const room = await addRoom(stack, account, 'whatsapp');
    const sendIds: string[] = [];
    for (let i = 0; i < SENDS_PER_ACCOUNT; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, j) => invoke(stack, account, { actionId, conversationId: room, idempotencyKey: `${name}-${i + j}` })),
      );
      for (const receipt of batch) {
        expect(receipt.status).toBe('QUEUED');
        sendIds.push(receipt.sendId!);
      }
    }
    return { account, actionId, room, sendIds };
  }

  const statuses = async (t: Tenant) =>
    stack.sql<{ status: string; reason: string | null; delivered: number }[]>`
      select s.status, s.reason, (select count(*)::int from send_files f where f.send_id = s.id and f.status = 'DELIVERED') as delivered
      from sends s where s.account_id = ${t.account.accountId}`;

  /** Waits until `t`'s room has received `atLeast` files, then rolls back; returns the calls ChatService had by the commit. */
  async function rollbackMidway(t: Tenant, atLeast: number, rollback: () => Promise<void>): Promise<number> {
    await waitFor(async () => ((await sim.calls(t.room)) >= atLeast ? true : undefined), { timeoutMs: 60_000, what: `${atLeast} calls for ${t.room}` });
    await rollback();
    return sim.calls(t.room);
  }

  it(`cancels what a flag-off and a delete overtook among ${3 * SENDS_PER_ACCOUNT} queued sends, and nothing else`, async () => {
    const flagged = await tenant('flag');
    const deleted = await tenant('delete');
    const bystander = await tenant('bystander');
    // Slow answers, so the queues are still long when the rollbacks come.
    await sim.setFaults({ latencyMs: 25 });
    worker = spawnWorker(stack, WORKER_ENV);

    const [callsAtFlagOff, callsAtDelete] = await Promise.all([
      rollbackMidway(flagged, 20, async () => {
        await stack.server.services.accounts.setFeatureFlag(flagged.account.accountId, SEND_ATTACHMENT_FLAG, false);
      }),
      rollbackMidway(deleted, 20, async () => {
        const res = await stack.client.query(deleted.account.tokens.ADMIN, `mutation($id: ID!) { deleteAction(id: $id) }`, { id: deleted.actionId });
        expect(res.errors).toBeUndefined();
      }),
    ]);

    const total = 3 * SENDS_PER_ACCOUNT;
    await waitFor(
      async () => {
        const [row] = await stack.sql`select count(*)::int as n from sends where status in ('SENT', 'FAILED', 'CANCELLED')`;
        return row!.n === total ? true : undefined;
      },
      { timeoutMs: 120_000, what: 'every send to be final' },
    );
    await sim.clearFaults();

    let lost = 0;
    for (const [t, reason, callsAtRollback] of [
      [flagged, 'flag_off', callsAtFlagOff],
      [deleted, 'action_deleted', callsAtDelete],
    ] as const) {
      const rows = await statuses(t);
      const sent = rows.filter((r) => r.status === 'SENT');
      const cancelled = rows.filter((r) => r.status === 'CANCELLED');
      expect(sent.length + cancelled.length).toBe(SENDS_PER_ACCOUNT);
      expect(cancelled.length).toBeGreaterThan(0);
      expect(cancelled.every((r) => r.reason === reason)).toBe(true);
      // Each delivered send has all its files at ChatService, once; no cancelled one has any.
      const inbox = await sim.inbox(t.room);
      expect(inbox).toHaveLength(sent.length * FILES_PER_SEND);
      expect(cancelled.every((r) => r.delivered === 0)).toBe(true);
      // After the rollback committed, only the runs already under way went on calling ChatService.
      const callsAfter = (await sim.calls(t.room)) - callsAtRollback;
      expect(callsAfter).toBeLessThanOrEqual(IN_FLIGHT_PER_ACCOUNT * FILES_PER_SEND);
      lost += rows.length - sent.length - cancelled.length;
    }
    const bystanders = await statuses(bystander);
    const notSent = bystanders.filter((r) => r.status !== 'SENT').length;
    expect(notSent).toBe(0);
    expect(await sim.inbox(bystander.room)).toHaveLength(SENDS_PER_ACCOUNT * FILES_PER_SEND);
    lost += notSent;

    record({ test: 'rollback mid-delivery (flag off, action deleted)', faults: 2, requests: total, lost });
  });
});
