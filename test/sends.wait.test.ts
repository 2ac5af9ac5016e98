import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOMES } from '../server/src/sends/failure-reasons.js';
import { FILES } from './support/files.js';
import { addRoom, simulatorOf, waitFor, type SimulatorControl } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createTrainedAction } from './support/factories.js';

const INVOKE = `mutation($i: InvokeSendAttachmentInput!) {
  invokeSendAttachment(input: $i) { sendId status reason message retryable deduplicated }
}`;

interface WaitedReceipt {
  sendId: string | null;
  status: string;
  reason: string | null;
  message: string;
  retryable: boolean;
  deduplicated: boolean;
}

async function invokeWaiting(stack: TestStack, account: TestAccount, input: Record<string, unknown>) {
  const res = await stack.client.query(account.tokens.AI_SERVICE, INVOKE, { i: input });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.invokeSendAttachment as WaitedReceipt;
}

/** invokeSendAttachment(waitMs): the receipt once the worker has delivered (or given up on) the send. */
describe('invokeSendAttachment with waitMs, delivered by the worker', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let account: TestAccount;
  let actionId: string;
  let room: string;

  beforeAll(async () => {
    // Retries at once, so three failing attempts fit well inside one wait.
    stack = await startTestStack({ SEND_RETRY_DELAY_SECONDS: '0', WORKER_POLL_MS: '100' });
    sim = simulatorOf(stack);
    account = await stack.createAccount();
    actionId = (await createTrainedAction(stack, account, { files: [{ name: 'price-list.pdf', content: FILES.pdf(3000) }] })).id;
    room = await addRoom(stack, account, 'whatsapp');
  });
  afterAll(() => stack?.stop());

  it('answers SENT once the file is delivered', async () => {
    // The worker announces the final status on sends_finished, in the transaction that records it:
    // whoever hears the announcement reads the final status already committed.
    const heard: { sendId: string; status: string }[] = [];
    const listener = await stack.sql.listen('sends_finished', (sendId) => {
      void stack.sql`select status from sends where id = ${sendId}`.then(([row]) => heard.push({ sendId, status: row!.status }));
    });
    const wakeUps = stack.server.services.sendOutcomes.wakeUps;
    const receipt = await invokeWaiting(stack, account, { actionId, conversationId: room, idempotencyKey: 'w-sent', waitMs: 10_000 });
    // Woken by the worker's announcement, not by the end of the wait.
    expect(stack.server.services.sendOutcomes.wakeUps).toBeGreaterThan(wakeUps);
    expect(receipt).toMatchObject({ status: 'SENT', reason: null, retryable: false, deduplicated: false, message: OUTCOMES.SENT.message });
    // Final means final: the file is already in the conversation when the answer comes.
    expect((await sim.inbox(room)).map((m) => m.fileName)).toContain('price-list.pdf');
    // A repeat with the same key waits on the same send, and answers at once as it is final.
    const again = await invokeWaiting(stack, account, { actionId, conversationId: room, idempotencyKey: 'w-sent', waitMs: 10_000 });
    expect(again).toMatchObject({ sendId: receipt.sendId, status: 'SENT', deduplicated: true });
    const announced = await waitFor(() => heard.find((h) => h.sendId === receipt.sendId), { what: 'the sends_finished notification' });
    expect(announced.status).toBe('SENT');
    await listener.unlisten();
  });

  it('answers FAILED with the reason and its message when ChatService fails every attempt', async () => {
    await sim.setFaults({ status: 503 });
    try {
      const receipt = await invokeWaiting(stack, account, { actionId, conversationId: room, idempotencyKey: 'w-failed', waitMs: 10_000 });
      expect(receipt).toMatchObject({ status: 'FAILED', reason: '5xx', retryable: true, message: OUTCOMES['5xx'].message });
      // What the receipt said is what the history says (the AI service may read it).
      const send = await stack.client.query(account.tokens.AI_SERVICE, `query($id: ID!) { send(id: $id) { status reason failedAttempts } }`, {
        id: receipt.sendId,
      });
      expect(send.data.send).toEqual({ status: 'FAILED', reason: '5xx', failedAttempts: 3 });
    } finally {
      await sim.clearFaults();
    }
  });

  it('answers QUEUED when the wait ends first', async () => {
    await sim.setFaults({ latencyMs: 3000 });
    try {
      const receipt = await invokeWaiting(stack, account, { actionId, conversationId: room, idempotencyKey: 'w-queued', waitMs: 200 });
      expect(receipt).toMatchObject({ status: 'QUEUED', reason: null, retryable: false, message: OUTCOMES.QUEUED.message });
      expect(stack.server.services.sendOutcomes.waiting).toBe(0);
    } finally {
      await sim.clearFaults();
    }
  });
});

describe('invokeSendAttachment with waitMs, hostile', () => {
  let stack: TestStack;
  let account: TestAccount;
  let actionId: string;
  let room: string;
  const sendCount = async () => (await stack.sql`select count(*)::int as n from sends where account_id = ${account.accountId}`)[0]!.n as number;

  beforeAll(async () => {
    // No worker: every send stays QUEUED, so every wait lasts its whole waitMs.
    stack = await startTestStack({ WORKER_CONCURRENCY: '0' });
    account = await stack.createAccount();
    actionId = (await createTrainedAction(stack, account, { files: [{ name: 'price-list.pdf', content: FILES.pdf(3100) }] })).id;
    room = await addRoom(stack, account, 'whatsapp');
  });
  afterAll(() => stack?.stop());

  it('refuses a negative, too long or fractional waitMs with BAD_USER_INPUT, before recording anything', async () => {
    for (const waitMs of [-1, 10_001, 2 ** 31 - 1, 1.5]) {
      const res = await stack.client.query(account.tokens.AI_SERVICE, INVOKE, { i: { actionId, conversationId: room, waitMs } });
      expect(res.errors?.[0]?.extensions?.code, String(waitMs)).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.message, String(waitMs)).toMatch(/waitMs|Int/);
      if (Number.isInteger(waitMs)) {
        expect(res.errors![0]!.extensions).toMatchObject({ field: 'waitMs', reason: 'INVALID_VALUE' });
        expect(res.errors![0]!.message).toBe(
          'waitMs must be a whole number of milliseconds from 0 to 10000 (10 seconds); leave it out to get the receipt at once.',
        );
      }
    }
    expect(await sendCount()).toBe(0);
    // The role is refused before its input is read.
    const viewer = await stack.client.query(account.tokens.VIEWER, INVOKE, { i: { actionId, conversationId: room, waitMs: -1 } });
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('answers at once with waitMs 0', async () => {
    const receipt = await invokeWaiting(stack, account, { actionId, conversationId: room, idempotencyKey: 'zero', waitMs: 0 });
    expect(receipt.status).toBe('QUEUED');
  });

  it('holds no database connection while waiting: 60 waits on a pool of 20 leave the API answering', async () => {
    const waits = Array.from({ length: 60 }, (_, i) =>
      invokeWaiting(stack, account, { actionId, conversationId: room, idempotencyKey: `many-${i}`, waitMs: 8000 }),
    );
    let settled = 0;
    for (const w of waits) void w.finally(() => settled++).catch(() => undefined);
    const outcomes = stack.server.services.sendOutcomes;
    await waitFor(() => (outcomes.waiting === 60 ? true : undefined), { what: '60 requests waiting' });

    // No connection of the server is held for them: none sits in an open transaction and none runs a
    // query that has lasted (a lock wait, a sleep). The scheduled jobs may be mid-query at this moment,
    // briefly, which is why a plain "nothing but idle" count raced with them.
    const held = await stack.sql`
      select state, wait_event_type, left(query, 120) as query from pg_stat_activity
      where datname = current_database() and application_name = 'send-attachment' and pid <> pg_backend_pid()
        and (state like 'idle in transaction%' or (state = 'active' and now() - query_start > interval '500 milliseconds'))`;
    expect(held, JSON.stringify(held)).toHaveLength(0);
    // And the API still reads the database: this answers while all 60 are still waiting.
    const res = await stack.client.query(account.tokens.AI_SERVICE, `{ sends(first: 100) { totalCount } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.sends.totalCount).toBe(61);
    expect(settled).toBe(0);
    expect(outcomes.waiting).toBe(60);

    const receipts = await Promise.all(waits);
    expect(new Set(receipts.map((r) => r.status))).toEqual(new Set(['QUEUED']));
    expect(outcomes.waiting).toBe(0);
  }, 30_000);
});
