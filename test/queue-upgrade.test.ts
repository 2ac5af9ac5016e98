import LegacyPgBoss from 'pg-boss-v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from './support/files.js';
import { addRoom, invoke, simulatorOf, waitFor } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { spawnWorker, type WorkerProcess } from './support/worker-process.js';
import { createTrainedAction } from './support/factories.js';

const SENDS = 6;

/**
 * A database the previous release (pg-boss 10.x) ran on, with deliveries still queued, is
 * started by this release: pg-boss 12 has no migration from 10, so the server moves the old
 * schema aside, carries the unfinished jobs over and delivers every send.
 */
describe('upgrading a database queued by pg-boss 10', () => {
  let stack: TestStack;
  let account: TestAccount;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    stack = await startTestStack({ WORKER_CONCURRENCY: '0' });
    account = await stack.createAccount();
  });
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await stack?.stop();
  });

  it('delivers every send queued before the upgrade, once, and leaves no old schema behind', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'prices.pdf', content: FILES.pdf(2048) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    const sendIds: string[] = [];
    for (let i = 0; i < SENDS; i++) {
      const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `before-upgrade-${i}` });
      expect(receipt.status).toBe('QUEUED');
      sendIds.push(receipt.sendId!);
    }

    // Today's database as the previous release leaves it: its pg-boss 10 schema, with these
    // sends' delivery jobs queued, one of them taken by a worker that then died.
    await stack.server.queue.stop({ graceful: false });
    await stack.sql`drop schema pgboss cascade`;
    const legacy = new LegacyPgBoss({ connectionString: stack.databaseUrl, supervise: false, schedule: false });
    await legacy.start();
    await legacy.createQueue('sends.deliver');
    for (const sendId of sendIds) {
      await legacy.send('sends.deliver', { sendId, accountId: account.accountId }, { retryLimit: 5, retryDelay: 1, retryBackoff: true, expireInSeconds: 30 });
    }
    const [taken] = await legacy.fetch('sends.deliver');
    expect(taken).toBeDefined();
    await legacy.stop({ graceful: false, wait: true });
    const [old] = await stack.sql`select version from pgboss.version`;
    expect(Number(old!.version)).toBeLessThan(25);

    // This release, as a worker process of its own, on that database.
    worker = spawnWorker(stack, { WORKER_POLL_MS: '100', SEND_RETRY_DELAY_SECONDS: '1' });
    await waitFor(
      async () => {
        const [row] = await stack.sql`select count(*)::int as n from sends where id = any(${sendIds}::uuid[]) and status = 'SENT'`;
        return row!.n === SENDS ? true : undefined;
      },
      { timeoutMs: 60_000, what: `${SENDS} sends queued before the upgrade to be delivered` },
    );

    const inbox = await simulatorOf(stack).inbox(room);
    expect(inbox).toHaveLength(SENDS);
    expect(new Set(inbox.map((m) => m.idempotencyKey)).size).toBe(SENDS);
    const [current] = await stack.sql`select version from pgboss.version`;
    expect(Number(current!.version)).toBeGreaterThanOrEqual(25);
    const schemas = await stack.sql`select nspname from pg_namespace where nspname like 'pgboss%' order by 1`;
    expect(schemas.map((s) => s.nspname)).toEqual(['pgboss']);
  }, 120_000);
});
