import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { addRoom, invoke, simulatorOf, waitFor, type Receipt, type SimulatorControl } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { record } from './support/ledger.js';
import { createTrainedAction } from '../support/factories.js';

/** The shortest heartbeat pg-boss allows, frequent supervision and short backoff, so a killed worker's jobs come back within seconds. */
const WORKER_ENV = {
  WORKER_POLL_MS: '200',
  SEND_JOB_HEARTBEAT_SECONDS: '10',
  QUEUE_MAINTENANCE_SECONDS: '1',
  SEND_RETRY_DELAY_SECONDS: '1',
};
const SENDS = 1000;
const KILLS = 8;

/** Runs `fn(i)` for i in [0, count) with at most `concurrency` at once. */
async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

describe('reliability: delivery workers killed with SIGKILL', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let account: TestAccount;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ ...WORKER_ENV, WORKER_CONCURRENCY: '0' });
    sim = simulatorOf(stack);
    account = await stack.createAccount();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await stack?.stop();
  });

  it(`delivers ${SENDS} sends exactly once per file while workers are killed at random points`, async () => {
    const files = [
      { name: 'menu.pdf', content: FILES.pdf(3000) },
      { name: 'map.png', content: FILES.png(2000) },
    ];
    const action = await createTrainedAction(stack, account, { files });
    const room = await addRoom(stack, account, 'telegram');
    // Each answer takes a little while, so kills land mid-call as well as between calls.
    await sim.setFaults({ latencyMs: 15 });
    workers.push(spawnWorker(stack, WORKER_ENV), spawnWorker(stack, WORKER_ENV));

    let kills = 0;
    let invoking = true;
    const chaos = (async () => {
      // Bounded: at most KILLS kills, each followed by a restart, 0.3 to 1.5 s apart.
      while (kills < KILLS) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
        const [row] = await stack.sql`select count(*)::int as n from sends where conversation_id = ${room} and status in ('QUEUED', 'SENDING')`;
        if (!invoking && row!.n === 0) break;
        const victim = workers.splice(Math.floor(Math.random() * workers.length), 1)[0]!;
        await victim.kill('SIGKILL');
        kills++;
        workers.push(spawnWorker(stack, WORKER_ENV));
      }
    })();

    const receipts: Receipt[] = await pool(SENDS, 16, (i) =>
      invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `chaos-${i}` }),
    );
    invoking = false;
    const accepted = receipts.filter((r) => r.status === 'QUEUED').map((r) => r.sendId!);
    await chaos;
    await sim.clearFaults();

    await waitFor(
      async () => {
        const [row] = await stack.sql`select count(*)::int as n from sends where id = any(${accepted}::uuid[]) and status in ('SENT', 'FAILED')`;
        return row!.n === accepted.length ? true : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500, what: `${accepted.length} sends to finish` },
    ).catch(() => undefined);

    const notSent = await stack.sql`select id, status, reason from sends where id = any(${accepted}::uuid[]) and status <> 'SENT'`;
    const inbox = await sim.inbox(room);
    const perKey = new Map<string, number>();
    for (const m of inbox) perKey.set(m.idempotencyKey!, (perKey.get(m.idempotencyKey!) ?? 0) + 1);
    const fileIds = (await stack.sql`select id from send_files where send_id = any(${accepted}::uuid[])`).map((r) => r.id as string);
    const missing = fileIds.filter((id) => !perKey.has(id)).length;
    const twice = [...perKey.values()].filter((n) => n > 1).length;
    const [events] = await stack.sql`
      select count(*)::int as n from events where name = 'ai_agent_attachment_sent' and properties->>'send_id' = any(${accepted}::text[])`;

    record({ test: 'worker SIGKILL', faults: kills, requests: SENDS, lost: notSent.length + missing + twice });
    console.log(`worker SIGKILL: ${kills} kills, ${accepted.length}/${SENDS} accepted, ${notSent.length} not SENT, ${missing} files missing, ${twice} twice`);

    expect(accepted).toHaveLength(SENDS);
    expect(kills).toBeGreaterThan(0);
    expect(notSent, JSON.stringify(notSent.slice(0, 5))).toHaveLength(0);
    expect(missing).toBe(0);
    expect(twice).toBe(0);
    expect(inbox).toHaveLength(SENDS * files.length);
    expect(events!.n).toBe(SENDS);
  }, 240_000);

  it('gives a send a fresh job once pg-boss has given up on its delivery job (the dead letter queue)', async () => {
    // No worker may take the job while this test plays the dying ones.
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
    const action = await createTrainedAction(stack, account, { files: [{ name: 'late.pdf', content: FILES.pdf(1234) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    const queue = stack.server.queue;
    // Every run pg-boss allows is cut short, as by workers dying mid-send: fetched, then failed
    // (what pg-boss does itself when their heartbeat stops), until pg-boss gives up.
    let runs = 0;
    for (;;) {
      const [job] = await queue.fetch<{ sendId: string }>('sends.deliver', { ignoreStartAfter: true });
      if (!job) break;
      expect(job.data.sendId).toBe(receipt.sendId);
      await stack.sql`update sends set status = 'SENDING' where id = ${receipt.sendId}`;
      await queue.fail('sends.deliver', job.id, { status: 'CRASHED' });
      runs++;
      expect(runs).toBeLessThan(20);
    }
    expect(runs).toBeGreaterThan(1);

    // The server's dead letter handler gives the send a new job; a worker delivers it.
    workers.push(spawnWorker(stack, WORKER_ENV));
    const send = await waitFor(
      async () => {
        const [row] = await stack.sql`select status from sends where id = ${receipt.sendId}`;
        return row!.status === 'SENT' ? row : undefined;
      },
      { timeoutMs: 30_000, what: 'the dead-lettered send to be delivered' },
    );
    expect(send.status).toBe('SENT');
    expect(await sim.inbox(room)).toHaveLength(1);
    // A final send gets no new job, should its dead letter come round again.
    expect(await stack.server.services.deliveries.requeueDead(receipt.sendId!, account.accountId)).toBe(false);
    record({ test: 'dead letter requeue', faults: runs, requests: 1, lost: 0 });
  }, 60_000);
});
