import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from './support/files.js';
import { addRoom, createAction, eventsOf, invoke, simulatorOf, waitForFinalSend, type SimulatorControl } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Delivery through the worker to the simulator, over real HTTP and real pg-boss. */
describe('send delivery', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let account: TestAccount;

  beforeAll(async () => {
    stack = await startTestStack({
      WORKER_POLL_MS: '100',
      SEND_RETRY_DELAY_SECONDS: '1',
      SEND_JOB_EXPIRE_SECONDS: '5',
      QUEUE_MAINTENANCE_SECONDS: '1',
    });
    sim = simulatorOf(stack);
    account = await stack.createAccount();
  });
  afterAll(() => stack?.stop());
  afterEach(() => sim.clearFaults());

  it('delivers every pinned file in order, byte-identical, with the caption on the first file only', async () => {
    const files = [
      { name: 'price-list.pdf', content: FILES.pdf(300_000) },
      { name: 'catalog.png', content: FILES.png(120_000) },
      { name: 'terms.txt', content: FILES.txt('Terms: 30 days.\n') },
    ];
    const action = await createAction(stack, account, { files, contentMode: 'AI' });
    const room = await addRoom(stack, account, 'whatsapp');

    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, caption: 'Here is our price list.' });
    expect(receipt).toMatchObject({ status: 'QUEUED', reason: null, deduplicated: false });

    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send.status).toBe('SENT');
    const inbox = await sim.inbox(room);
    expect(inbox.map((m) => m.fileName)).toEqual(files.map((f) => f.name));
    expect(inbox.map((m) => m.sha256)).toEqual(files.map((f) => sha(f.content)));
    expect(inbox.map((m) => m.sizeBytes)).toEqual(files.map((f) => f.content.length));
    expect(inbox.map((m) => m.type)).toEqual(['document', 'image', 'document']);
    expect(inbox.map((m) => m.caption)).toEqual(['Here is our price list.', null, null]);
    expect(send.files.every((f: { status: string }) => f.status === 'DELIVERED')).toBe(true);
    expect(send.attempts).toHaveLength(3);

    const sent = await eventsOf(stack, account.accountId, 'ai_agent_attachment_sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.properties).toMatchObject({
      account_id: account.accountId,
      agent_id: account.agentId,
      action_id: action.id,
      channel: 'whatsapp',
      file_count: 3,
      conversation_id: room,
    });
    expect(sent[0]!.properties.timestamp).toEqual(expect.any(String));
  });
});
