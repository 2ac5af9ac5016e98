import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActionsRepository } from '../server/src/actions/actions.repository.js';
import { FilesRepository } from '../server/src/files/files.repository.js';
import { SEND_ATTACHMENT_FLAG } from '../server/src/accounts/roles.js';
import { FILES } from './support/files.js';
import { UPLOAD } from './support/operations.js';
import { addRoom, eventsOf, invoke, simulatorOf, waitFor, waitForFinalSend, type SimulatorControl } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { spawnWorker, type WorkerProcess } from './support/worker-process.js';
import { createTrainedAction } from './support/factories.js';

const WORKER_ENV = { WORKER_POLL_MS: '100', SEND_JOB_HEARTBEAT_SECONDS: '10', QUEUE_MAINTENANCE_SECONDS: '1' };
const DAY = 24 * 3600_000;

/**
 * Rollback (SPEC section 5): sends queued before OPS turned the flag off, or before the builder
 * turned the action off or deleted it, end CANCELLED when a worker picks them up. The server
 * runs no worker, so the sends stay QUEUED until the test has rolled back and starts one.
 */
describe('rollback of queued sends', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ ...WORKER_ENV, WORKER_CONCURRENCY: '0' });
    sim = simulatorOf(stack);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGTERM')));
  });
  afterAll(() => stack?.stop());

  const adminMutation = async (account: TestAccount, query: string, variables: Record<string, unknown>) => {
    const res = await stack.client.query(account.tokens.ADMIN, query, variables);
    expect(res.errors).toBeUndefined();
  };

  /** An account with one trained action of two files, a WhatsApp room and `count` sends queued for it. */
  async function queued(count: number) {
    const account = await stack.createAccount();
    const files = [
      { name: 'price-list.pdf', content: FILES.pdf(4000) },
      { name: 'catalog.png', content: FILES.png(3000) },
    ];
    const actionId = (await createTrainedAction(stack, account, { files })).id;
    const room = await addRoom(stack, account, 'whatsapp');
    const sendIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const receipt = await invoke(stack, account, { actionId, conversationId: room, idempotencyKey: `turn-${i}` });
      expect(receipt.status).toBe('QUEUED');
      sendIds.push(receipt.sendId!);
    }
    return { account, actionId, room, sendIds };
  }

  async function expectCancelled(account: TestAccount, room: string, sendIds: string[], reason: string) {
    for (const id of sendIds) {
      const send = await waitForFinalSend(stack, account, id, 60_000);
      expect(send).toMatchObject({ status: 'CANCELLED', reason, attempts: [] });
      expect(send.reasonDetail).toEqual(expect.any(String));
      expect(send.files.map((f: { status: string }) => f.status)).toEqual(['CANCELLED', 'CANCELLED']);
    }
    // Nothing reached ChatService, and each send has one cancelled event and no sent/failed one.
    expect(await sim.calls(room)).toBe(0);
    expect(await sim.inbox(room)).toEqual([]);
    const cancelled = await eventsOf(stack, account.accountId, 'ai_agent_attachment_send_cancelled');
    expect(cancelled.map((e) => e.properties.send_id).sort()).toEqual([...sendIds].sort());
    expect(cancelled[0]!.properties).toMatchObject({ reason, account_id: account.accountId, channel: 'whatsapp' });
    const finishedOtherwise = await stack.sql`select 1 from events where account_id = ${account.accountId}
      and name in ('ai_agent_attachment_sent', 'ai_agent_attachment_send_failed')`;
    expect(finishedOtherwise).toHaveLength(0);
  }

  it('cancels every queued send with flag_off once OPS turns the flag off, and counts them as neither sent nor failed', async () => {
    const { account, room, sendIds } = await queued(3);
    await stack.server.services.accounts.setFeatureFlag(account.accountId, SEND_ATTACHMENT_FLAG, false);
    workers.push(spawnWorker(stack, WORKER_ENV));
    await expectCancelled(account, room, sendIds, 'flag_off');

    const from = new Date(Date.now() - DAY).toISOString();
    const to = new Date(Date.now() + DAY).toISOString();
    const stats = await stack.client.query(
      account.tokens.VIEWER,
      `query($from: DateTime!, $to: DateTime!) { sendStats(from: $from, to: $to, bucket: DAY) { sent failed successRate reasons { reason count } } }`,
      { from, to },
    );
    expect(stats.data.sendStats).toEqual({ sent: 0, failed: 0, successRate: null, reasons: [] });

    // The history shows them and filters on the status; the CSV lists them with the reason's words.
    const history = await stack.client.query(
      account.tokens.VIEWER,
      `query { sends(filter: { status: [CANCELLED] }, first: 10) { totalCount edges { node { id status reason } } } }`,
    );
    expect(history.data.sends.totalCount).toBe(3);
    const csv = await (
      await fetch(`${stack.server.url}/exports/sends.csv?status=CANCELLED`, { headers: { authorization: `Bearer ${account.tokens.VIEWER}` } })
    ).text();
    const lines = csv.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).every((l) => l.includes(',CANCELLED,flag_off,') && l.includes('Cancelled: Send Attachment turned off'))).toBe(true);
  }, 90_000);

  it('cancels with action_disabled when the builder turns the action off, and with action_deleted when they delete it', async () => {
    const disabled = await queued(2);
    await adminMutation(disabled.account, `mutation($id: ID!) { setActionEnabled(id: $id, enabled: false) { id } }`, { id: disabled.actionId });
    const deleted = await queued(2);
    await adminMutation(deleted.account, `mutation($id: ID!) { deleteAction(id: $id) }`, { id: deleted.actionId });

    workers.push(spawnWorker(stack, WORKER_ENV));
    await expectCancelled(disabled.account, disabled.room, disabled.sendIds, 'action_disabled');
    await expectCancelled(deleted.account, deleted.room, deleted.sendIds, 'action_deleted');
  }, 90_000);

  it('still delivers what was queued when the action is turned off and on again before a worker picks it up', async () => {
    const { account, actionId, room, sendIds } = await queued(1);
    await adminMutation(account, `mutation($id: ID!) { setActionEnabled(id: $id, enabled: false) { id } }`, { id: actionId });
    await adminMutation(account, `mutation($id: ID!) { setActionEnabled(id: $id, enabled: true) { id } }`, { id: actionId });
    workers.push(spawnWorker(stack, WORKER_ENV));
    const send = await waitForFinalSend(stack, account, sendIds[0]!, 60_000);
    expect(send.status).toBe('SENT');
    expect(await sim.inbox(room)).toHaveLength(2);
  }, 90_000);

  it('creates no send for an action deleted while the invoke was in flight: the write checks again, after the deletion commits', async () => {
    const account = await stack.createAccount();
    const actionId = (await createTrainedAction(stack, account, { files: [{ name: 'late.pdf', content: FILES.pdf(2500) }] })).id;
    const room = await addRoom(stack, account, 'whatsapp');
    const { db } = stack.server.database;

    let pending: Promise<Awaited<ReturnType<typeof invoke>>> | undefined;
    // The deletion as deleteAction makes it, held open: the invoke reads the action as live,
    // looks the room up, and then waits for the deletion's commit before writing.
    await db.transaction(async (tx) => {
      const actions = new ActionsRepository(tx);
      await actions.lockAgainstInvokes(actionId);
      await actions.softDelete(account.accountId, actionId);
      pending = invoke(stack, account, { actionId, conversationId: room, idempotencyKey: 'in-flight' });
      await waitFor(
        async () => {
          const [waiting] = await stack.sql`select 1 from pg_locks where locktype = 'advisory' and not granted`;
          return waiting;
        },
        { timeoutMs: 30_000, what: 'the invoke to wait for the deletion' },
      );
    });
    expect(await pending).toEqual({ sendId: null, status: 'REJECTED', reason: 'NOT_FOUND', deduplicated: false });
    expect(await stack.sql`select 1 from sends where account_id = ${account.accountId}`).toHaveLength(0);
    expect(await stack.sql`select 1 from pgboss.job where name = 'sends.deliver' and data->>'accountId' = ${account.accountId}`).toHaveLength(0);
    expect(await eventsOf(stack, account.accountId)).toEqual([
      expect.objectContaining({ name: 'ai_agent_send_attachment_action_created' }),
    ]);
  }, 60_000);

  it('sends the files an edit pinned, not the ones it unpinned, when the edit commits while the invoke is in flight', async () => {
    const account = await stack.createAccount();
    const action = await createTrainedAction(stack, account, { files: [{ name: 'old-prices.pdf', content: FILES.pdf(2700) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    const upload = await stack.client.upload(account.tokens.ADMIN, UPLOAD, { file: null }, [
      { path: 'variables.file', file: { name: 'new-prices.pdf', content: FILES.pdf(3100) } },
    ]);
    expect(upload.errors).toBeUndefined();
    const replacement = upload.data!.uploadAttachment as { id: string; sha256: string };
    const { db } = stack.server.database;

    let pending: Promise<Awaited<ReturnType<typeof invoke>>> | undefined;
    // The edit as saveSendAttachmentAction makes it (old file out, new one in), held open: the
    // invoke reads the old file, looks the room up, and waits for the edit's commit to write.
    const removed = await db.transaction(async (tx) => {
      const actions = new ActionsRepository(tx);
      const files = new FilesRepository(tx);
      await actions.lockAgainstInvokes(action.id);
      const row = await actions.find(account.accountId, action.id);
      await actions.update(account.accountId, action.id, { name: row!.name, trigger: row!.trigger, contentMode: row!.contentMode, contentMessage: row!.contentMessage });
      expect(await files.pin(account.accountId, action.id, [replacement.id])).toBe(1);
      const unpinned = await files.unpinAllExcept(action.id, [replacement.id]);
      pending = invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: 'during-edit' });
      await waitFor(
        async () => {
          const [waiting] = await stack.sql`select 1 from pg_locks where locktype = 'advisory' and not granted`;
          return waiting;
        },
        { timeoutMs: 30_000, what: 'the invoke to wait for the edit' },
      );
      return unpinned;
    });
    // As the save does after its commit: the old file's blob goes, nothing needs it.
    await stack.server.services.files.discardUnreferenced(removed);
    const receipt = await pending!;
    expect(receipt).toMatchObject({ status: 'QUEUED', deduplicated: false });

    workers.push(spawnWorker(stack, WORKER_ENV));
    const send = await waitForFinalSend(stack, account, receipt.sendId!, 60_000);
    expect(send.status).toBe('SENT');
    expect(send.files.map((f: { fileName: string }) => f.fileName)).toEqual(['new-prices.pdf']);
    expect((await sim.inbox(room)).map((m) => m.sha256)).toEqual([replacement.sha256]);
  }, 90_000);
});
