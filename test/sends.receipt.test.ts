import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOMES } from '../server/src/sends/failure-reasons.js';
import { RejectReason, SendFailureReason } from '../server/src/sends/sends.model.js';
import { FILES } from './support/files.js';
import { addRoom } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createTrainedAction } from './support/factories.js';

const INVOKE = `mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { sendId status reason message retryable } }`;

/** The receipt says, in one sentence from the one table of outcomes, what happened and whether to try again. */
describe('invokeSendAttachment receipt: message and retryable', () => {
  let stack: TestStack;
  let account: TestAccount;
  let actionId: string;

  const invoke = async (who: TestAccount, input: Record<string, unknown>) => {
    const res = await stack.client.query(who.tokens.AI_SERVICE, INVOKE, { i: input });
    expect(res.errors).toBeUndefined();
    return res.data.invokeSendAttachment as { status: string; reason: string | null; message: string; retryable: boolean };
  };

  beforeAll(async () => {
    // No worker: a queued send stays QUEUED, so the receipt is exactly what invoke answered.
    stack = await startTestStack({ WORKER_CONCURRENCY: '0' });
    account = await stack.createAccount();
    actionId = (await createTrainedAction(stack, account, { files: [{ name: 'price-list.pdf', content: FILES.pdf(2222) }] })).id;
  });
  afterAll(() => stack?.stop());

  it('QUEUED: on its way, not to be sent again', async () => {
    const receipt = await invoke(account, { actionId, conversationId: await addRoom(stack, account, 'whatsapp'), idempotencyKey: 'r-queued' });
    expect(receipt).toMatchObject({ status: 'QUEUED', reason: null, retryable: false, message: OUTCOMES.QUEUED.message });
    expect(receipt.message).toMatch(/not delivered yet; do not send it again\.$/);
  });

  it('FAILED by a guard: the reason in words the model can act on', async () => {
    const receipt = await invoke(account, { actionId, conversationId: await addRoom(stack, account, 'instagram') });
    expect(receipt).toMatchObject({ status: 'FAILED', reason: 'channel_unsupported', retryable: false });
    expect(receipt.message).toBe("This conversation's channel cannot carry files; answer the customer in text instead.");
  });

  it('REJECTED: the reason in words, not retryable', async () => {
    const off = await stack.createAccount({ flag: false });
    const receipt = await invoke(off, { actionId, conversationId: 'room-1' });
    expect(receipt).toMatchObject({ status: 'REJECTED', reason: 'FEATURE_DISABLED', retryable: false });
    expect(receipt.message).toBe('Sending files is turned off for this account; do not offer files, answer the customer in text.');
    const unknown = await invoke(account, { actionId: 'not-an-action', conversationId: 'room-1' });
    expect(unknown).toMatchObject({ status: 'REJECTED', reason: 'NOT_FOUND', retryable: false, message: OUTCOMES.NOT_FOUND.message });
  });

  it('has one sentence for every reason code, and only a ChatService outage is retryable', () => {
    for (const code of [...Object.values(SendFailureReason), ...Object.values(RejectReason)]) {
      const { message, retryable } = OUTCOMES[code];
      expect(message, code).toMatch(/^[A-Z][^.]*\.$/);
      expect(retryable, code).toBe(code === SendFailureReason.SERVER_ERROR);
    }
  });
});
