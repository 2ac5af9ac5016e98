import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { addRoom, invoke, simulatorOf, waitFor, type SimulatorControl } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';
import { record } from './support/ledger.js';
import { createTrainedAction } from '../support/factories.js';

const SENDS = 40;

/**
 * `{ __typename }` over `count` calls, one at a time: is the server still answering fast?
 * Judged loosely (p50 under 50 ms, p99 under 1 s): CI machines are shared, and a server stuck
 * behind its deliveries would take seconds, not tens of milliseconds.
 */
async function typenameLatency(stack: TestStack, count = 100): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await stack.client.query(null, '{ __typename }');
    samples.push(performance.now() - started);
    expect(res.errors).toBeUndefined();
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
}

async function finalSends(stack: TestStack, ids: string[]) {
  await waitFor(
    async () => {
      const [row] = await stack.sql`select count(*)::int as n from sends where id = any(${ids}::uuid[]) and status in ('SENT', 'FAILED')`;
      return row!.n === ids.length ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250, what: `${ids.length} sends to finish` },
  );
  return stack.sql<{ id: string; status: string; reason: string | null; failed_attempts: number; calls: number; errors: string[] }[]>`
    select s.id, s.status, s.reason, s.failed_attempts,
           (select count(*)::int from send_attempts a where a.send_id = s.id) as calls,
           coalesce((select array_agg(a.error order by a.id) from send_attempts a where a.send_id = s.id), '{}') as errors
    from sends s where s.id = any(${ids}::uuid[])`;
}

describe('reliability: ChatService failing or slow', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let account: TestAccount;

  beforeAll(async () => {
    stack = await startTestStack({
      WORKER_CONCURRENCY: '16',
      WORKER_POLL_MS: '100',
      SEND_RETRY_DELAY_SECONDS: '1',
      CHAT_SERVICE_UPLOAD_TIMEOUT_MS: '300',
    });
    sim = simulatorOf(stack);
    account = await stack.createAccount();
  });
  afterEach(() => sim.clearFaults());
  afterAll(() => stack?.stop());

  it('a 5xx storm: exactly 3 attempts per send, FAILED with reason 5xx, and the server keeps answering fast', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'storm.pdf', content: FILES.pdf(2000) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    const quiet = await typenameLatency(stack);
    await sim.setFaults({ status: 503 });
    const receipts = await Promise.all(
      Array.from({ length: SENDS }, (_, i) => invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `storm-${i}` })),
    );
    expect(receipts.every((r) => r.status === 'QUEUED')).toBe(true);
    const during = await typenameLatency(stack);
    const sends = await finalSends(stack, receipts.map((r) => r.sendId!));
    const wrong = sends.filter((s) => s.status !== 'FAILED' || s.reason !== '5xx' || s.failed_attempts !== 3 || s.calls !== 3);
    const calls = await sim.calls(room);
    record({ test: '5xx storm', faults: calls, requests: SENDS + 200, lost: wrong.length });
    console.log(`5xx storm: ${SENDS} sends, ${calls} calls answered 503; { __typename } p50/p99 ${quiet.p50.toFixed(1)}/${quiet.p99.toFixed(1)} ms quiet, ${during.p50.toFixed(1)}/${during.p99.toFixed(1)} ms during`);

    expect(wrong, JSON.stringify(wrong.slice(0, 3))).toHaveLength(0);
    // Every attempt that reached ChatService got its 503; on a loaded machine some attempts time
    // out first (CHAT_SERVICE_UPLOAD_TIMEOUT_MS is short here), which counts as a 5xx all the same.
    expect(calls).toBeGreaterThanOrEqual(SENDS);
    expect(calls).toBeLessThanOrEqual(SENDS * 3);
    expect(during.p50).toBeLessThan(50);
    expect(during.p99).toBeLessThan(1000);
  }, 120_000);

  it('a slow ChatService: every call times out, 3 attempts, FAILED 5xx naming the timeout', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'slow.pdf', content: FILES.pdf(2100) }] });
    const room = await addRoom(stack, account, 'telegram');
    // Answers after 2 s; the client gives up after 300 ms (CHAT_SERVICE_UPLOAD_TIMEOUT_MS).
    await sim.setFaults({ status: 504, latencyMs: 2000 });
    const receipts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `slow-${i}` })),
    );
    const during = await typenameLatency(stack);
    const sends = await finalSends(stack, receipts.map((r) => r.sendId!));
    const wrong = sends.filter(
      (s) => s.status !== 'FAILED' || s.reason !== '5xx' || s.failed_attempts !== 3 || s.errors.length !== 3 || !s.errors.every((e) => /timeout after 300 ms/.test(e)),
    );
    record({ test: 'slow ChatService', faults: 30, requests: 10 + 100, lost: wrong.length });
    console.log(`slow ChatService: 10 sends, each 3 timed-out attempts; { __typename } p50/p99 ${during.p50.toFixed(1)}/${during.p99.toFixed(1)} ms during`);
    expect(wrong, JSON.stringify(wrong.slice(0, 3))).toHaveLength(0);
    expect(during.p50).toBeLessThan(50);
    expect(during.p99).toBeLessThan(1000);
  }, 120_000);
});

/** Each send's attempts in order: when each started and ended, and what ChatService answered. */
async function attemptsOf(stack: TestStack, ids: string[]) {
  return stack.sql<{ send_id: string; http_status: number | null; started: number; ended: number }[]>`
    select send_id, http_status, extract(epoch from started_at)::float8 * 1000 as started,
           extract(epoch from started_at)::float8 * 1000 + duration_ms as ended
    from send_attempts where send_id = any(${ids}::uuid[]) order by send_id, id`;
}

/**
 * A ChatService that asks to wait (429 or 503 with Retry-After). Its own stack, with the default
 * upload timeout: the attempts counted here must be the refusals, not timeouts of a loaded machine.
 */
describe('reliability: ChatService asking to wait (Retry-After)', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let account: TestAccount;

  beforeAll(async () => {
    stack = await startTestStack({ WORKER_CONCURRENCY: '16', WORKER_POLL_MS: '100', SEND_RETRY_DELAY_SECONDS: '1' });
    sim = simulatorOf(stack);
    account = await stack.createAccount();
  });
  afterEach(() => sim.clearFaults());
  afterAll(() => stack?.stop());

  for (const { status, retryAfterSeconds } of [
    { status: 429, retryAfterSeconds: 2 },
    { status: 503, retryAfterSeconds: 1 },
  ]) {
    it(`a busy ChatService (${status}, Retry-After ${retryAfterSeconds}): each send waits as asked, then is delivered once; no send fails for it`, async () => {
      const action = await createTrainedAction(stack, account, { files: [{ name: `busy-${status}.pdf`, content: FILES.pdf(2200 + status) }] });
      const room = await addRoom(stack, account, 'whatsapp');
      const count = 10;
      // The first call of each send is refused: they all start at once (16 slots, 8 per account
      // and the rest as the first answers come back), well inside the wait that follows.
      await sim.setFaults({ status, count, retryAfterSeconds });
      const receipts = await Promise.all(
        Array.from({ length: count }, (_, i) => invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `busy-${status}-${i}` })),
      );
      const ids = receipts.map((r) => r.sendId!);
      const sends = await finalSends(stack, ids);
      const attempts = await attemptsOf(stack, ids);
      const inbox = await sim.inbox(room);
      const wrong = sends.filter((send) => {
        const [first, second, ...more] = attempts.filter((a) => a.send_id === send.id);
        // A lower bound only: the retry cannot start before the wait ChatService asked for.
        const waited = first && second ? second.started - first.ended : -1;
        return send.status !== 'SENT' || first?.http_status !== status || second?.http_status !== 201 || more.length > 0 || waited < retryAfterSeconds * 1000 - 100;
      });
      record({ test: `busy ChatService ${status} Retry-After`, faults: count, requests: count, lost: wrong.length + Math.abs(inbox.length - count) });
      expect(wrong, JSON.stringify({ wrong: wrong.slice(0, 3), attempts: attempts.slice(0, 6) })).toHaveLength(0);
      expect(inbox).toHaveLength(count);
    }, 120_000);
  }

  it('a Retry-After of a day is held to 300 s, and a held send takes no slot from the next one', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'held.pdf', content: FILES.pdf(2900) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    await sim.setFaults({ status: 429, count: 1, retryAfterSeconds: 86_400 });
    const held = await invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: 'held-a-day' });
    await waitFor(
      async () => {
        const [row] = await stack.sql`select 1 from sends where id = ${held.sendId} and failed_attempts = 1`;
        return row;
      },
      { timeoutMs: 30_000, what: 'the first attempt to be refused' },
    );
    // The first job is done; its retry is a job of its own, waiting.
    const [retry, ...others] = await stack.sql<{ heldSeconds: number }[]>`
      select extract(epoch from start_after - created_on)::float8 as "heldSeconds" from pgboss.job
      where name = 'sends.deliver' and data->>'sendId' = ${held.sendId} and state = 'created'`;
    expect(others).toHaveLength(0);
    // As many more sends as the account may have in flight at once (8 of the 16 slots), while
    // it waits: all delivered, none behind it.
    const next = await Promise.all(
      Array.from({ length: 8 }, (_, i) => invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `after-held-${i}` })),
    );
    const sends = await finalSends(stack, next.map((r) => r.sendId!));
    const [heldSend] = await stack.sql<{ status: string; failed_attempts: number }[]>`select status, failed_attempts from sends where id = ${held.sendId}`;
    const notSent = sends.filter((send) => send.status !== 'SENT');
    record({ test: 'Retry-After of a day', faults: 1, requests: 9, lost: notSent.length + (heldSend!.status === 'SENDING' ? 0 : 1) });
    expect(retry!.heldSeconds).toBeGreaterThan(299);
    expect(retry!.heldSeconds).toBeLessThanOrEqual(301);
    expect(notSent, JSON.stringify(notSent.slice(0, 3))).toHaveLength(0);
    // Still in progress, its next attempt waiting: the history shows it as sending.
    expect(heldSend).toEqual({ status: 'SENDING', failed_attempts: 1 });
  }, 120_000);
});
