import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from './support/files.js';
import { addRoom, invoke, simulatorOf, waitFor, waitForFinalSend, type SimulatorControl } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { spawnWorker, type WorkerProcess } from './support/worker-process.js';
import { createTrainedAction } from './support/factories.js';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Short expiry and maintenance so a killed worker's job comes back within seconds. */
const WORKER_ENV = {
  WORKER_POLL_MS: '100',
  SEND_JOB_HEARTBEAT_SECONDS: '10',
  QUEUE_MAINTENANCE_SECONDS: '1',
  SEND_RETRY_DELAY_SECONDS: '1',
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('worker processes', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let account: TestAccount;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    // No worker inside the server: only the spawned processes deliver.
    stack = await startTestStack({ ...WORKER_ENV, WORKER_CONCURRENCY: '0' });
    sim = simulatorOf(stack);
    account = await stack.createAccount();
  });
  afterEach(async () => {
    await sim.clearFaults();
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGTERM')));
  });
  afterAll(() => stack?.stop());

  it('finishes a send whose worker was SIGKILLed mid-send, each file arriving exactly once', async () => {
    const files = [1, 2, 3, 4].map((n) => ({ name: `part-${n}.pdf`, content: FILES.pdf(50_000 + n) }));
    const action = await createTrainedAction(stack, account, { files });
    const room = await addRoom(stack, account, 'whatsapp');
    // Each answer takes 0.8 s, longer in all than the 2 s job expiry: the heartbeat keeps the job.
    await sim.setFaults({ latencyMs: 800 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });

    const first = spawnWorker(stack, WORKER_ENV);
    workers.push(first);
    // The simulator has stored the second file but not answered yet: the worker is mid-call.
    await waitFor(async () => ((await sim.inbox(room)).length >= 2 ? true : undefined), { timeoutMs: 30_000, what: 'two files at the simulator' });
    await first.kill('SIGKILL');
    const [midway] = await stack.sql`select status from sends where id = ${receipt.sendId}`;
    expect(midway!.status).toBe('SENDING');

    await sim.clearFaults();
    workers.push(spawnWorker(stack, WORKER_ENV));
    const send = await waitForFinalSend(stack, account, receipt.sendId!, 60_000);

    expect(send.status).toBe('SENT');
    const inbox = await sim.inbox(room);
    expect(inbox.map((m) => m.sha256)).toEqual(files.map((f) => sha(f.content)));
    expect(new Set(inbox.map((m) => m.idempotencyKey)).size).toBe(4);
    expect(send.files.map((f: { status: string }) => f.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED']);
    const [sent] = await stack.sql`select count(*)::int as n from events where name = 'ai_agent_attachment_sent' and properties->>'send_id' = ${receipt.sendId}`;
    expect(sent!.n).toBe(1);
  }, 90_000);

  it('answers a waiting invoke when a worker in another process finishes the send (NOTIFY across processes)', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'elsewhere.pdf', content: FILES.pdf(4321) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    workers.push(spawnWorker(stack, WORKER_ENV));
    // The other process is up and delivering once a first send is final.
    const warmUp = await invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: 'warm-up' });
    await waitForFinalSend(stack, account, warmUp.sendId!, 60_000);
    const wakeUps = stack.server.services.sendOutcomes.wakeUps;
    const res = await stack.client.query(
      account.tokens.AI_SERVICE,
      `mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { sendId status reason } }`,
      { i: { actionId: action.id, conversationId: room, idempotencyKey: 'across-processes', waitMs: 10_000 } },
    );
    expect(res.errors).toBeUndefined();
    // This server runs no worker: the other process's announcement woke the waiting request.
    expect(stack.server.services.sendOutcomes.wakeUps).toBeGreaterThan(wakeUps);
    expect(res.data.invokeSendAttachment).toMatchObject({ status: 'SENT', reason: null });
    expect((await sim.inbox(room)).map((m) => m.fileName)).toEqual(['elsewhere.pdf', 'elsewhere.pdf']);
  }, 90_000);

  it('two worker processes drain 500 queued sends, delivering each file exactly once', async () => {
    const files = [
      { name: 'menu.pdf', content: FILES.pdf(20_000) },
      { name: 'map.png', content: FILES.png(10_000) },
    ];
    const action = await createTrainedAction(stack, account, { files });
    const room = await addRoom(stack, account, 'telegram');

    // Dispatch time: invoke → QUEUED receipt, measured at the client over HTTP: 50 calls one
    // at a time, then the rest 8 at a time.
    const total = 500;
    const sequential = 50;
    const latencies: number[] = [];
    const sendIds: string[] = [];
    for (let i = 0; i < sequential; i++) {
      const started = performance.now();
      const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `bulk-${i}` });
      latencies.push(performance.now() - started);
      expect(receipt.status).toBe('QUEUED');
      sendIds.push(receipt.sendId!);
    }
    const alone = [...latencies].sort((a, b) => a - b);
    console.log(
      `dispatch (invoke → QUEUED, ${sequential} calls one at a time): p50 ${percentile(alone, 50).toFixed(1)} ms, ` +
        `p95 ${percentile(alone, 95).toFixed(1)} ms`,
    );
    let next = sequential;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < total) {
          const i = next++;
          const started = performance.now();
          const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `bulk-${i}` });
          latencies.push(performance.now() - started);
          expect(receipt.status).toBe('QUEUED');
          sendIds.push(receipt.sendId!);
        }
      }),
    );
    latencies.splice(0, sequential);
    latencies.sort((a, b) => a - b);
    console.log(
      `dispatch (invoke → QUEUED, ${total - sequential} calls, 8 concurrent): p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
        `p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
    expect(percentile(latencies, 95)).toBeLessThan(2000);

    const started = Date.now();
    workers.push(spawnWorker(stack, WORKER_ENV), spawnWorker(stack, WORKER_ENV));
    await waitFor(
      async () => {
        const [row] = await stack.sql`select count(*)::int as n from sends where id = any(${sendIds}::uuid[]) and status in ('SENT', 'FAILED')`;
        return row!.n === total ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: `${total} sends to finish` },
    );
    console.log(`delivery: ${total} sends (${total * files.length} files) by 2 worker processes in ${Date.now() - started} ms (including process start)`);

    const [failed] = await stack.sql`select count(*)::int as n from sends where id = any(${sendIds}::uuid[]) and status <> 'SENT'`;
    expect(failed!.n).toBe(0);
    const inbox = await sim.inbox(room);
    expect(inbox).toHaveLength(total * files.length);
    const perKey = new Map<string, number>();
    for (const m of inbox) perKey.set(m.idempotencyKey!, (perKey.get(m.idempotencyKey!) ?? 0) + 1);
    expect(perKey.size).toBe(total * files.length);
    expect([...perKey.values()].every((n) => n === 1)).toBe(true);
    const fileIds = await stack.sql`select f.id from send_files f where f.send_id = any(${sendIds}::uuid[])`;
    expect(new Set(fileIds.map((r) => r.id))).toEqual(new Set(perKey.keys()));
    // Every delivery was a single call: no file was sent twice, even to ChatService's idempotency.
    const [calls] = await stack.sql`select count(*)::int as n from send_attempts where send_id = any(${sendIds}::uuid[])`;
    expect(calls!.n).toBe(total * files.length);
  }, 180_000);
});
