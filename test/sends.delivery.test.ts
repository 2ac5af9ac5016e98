import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from './support/files.js';
import { addRoom, eventsOf, getSend, invoke, simulatorOf, waitFor, waitForFinalSend, type SimulatorControl } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createTrainedAction } from './support/factories.js';

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
      SEND_JOB_HEARTBEAT_SECONDS: '10',
      CHAT_SERVICE_UPLOAD_TIMEOUT_MS: '1500',
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
    const action = await createTrainedAction(stack, account, { files, contentMode: 'AI' });
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

  it('sends the stored caption in MANUAL mode and ignores the caption of the call', async () => {
    const action = await createTrainedAction(stack, account, {
      files: [{ name: 'brochure.pdf', content: FILES.pdf(5000) }],
      contentMode: 'MANUAL',
      contentMessage: 'Our 2026 brochure, as promised.',
    });
    const room = await addRoom(stack, account, 'telegram');
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, caption: 'AI words' });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send).toMatchObject({ status: 'SENT', caption: 'Our 2026 brochure, as promised.' });
    expect((await sim.inbox(room)).map((m) => m.caption)).toEqual(['Our 2026 brochure, as promised.']);
  });

  it('retries a 503 and delivers on the third attempt without sending any file twice', async () => {
    const files = [
      { name: 'a.pdf', content: FILES.pdf(3000) },
      { name: 'b.pdf', content: FILES.pdf(3001) },
    ];
    const action = await createTrainedAction(stack, account, { files });
    const room = await addRoom(stack, account, 'whatsapp');
    await sim.setFaults({ status: 503, count: 2 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, caption: 'Files' });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);

    expect(send).toMatchObject({ status: 'SENT', failedAttempts: 2, reason: null });
    const inbox = await sim.inbox(room);
    expect(inbox.map((m) => m.sha256)).toEqual(files.map((f) => sha(f.content)));
    expect(inbox[0]!.caption).toBe('Files');
    expect(send.attempts.map((a) => [a.attempt, a.httpStatus])).toEqual([
      [1, 503],
      [2, 503],
      [3, 201],
      [3, 201],
    ]);
    // pg-boss's backoff spaced the attempts (retry delay 1 s: the second run waits at least 1 s).
    const started = send.attempts.map((a: { startedAt: string }) => Date.parse(a.startedAt));
    expect(started[1] - started[0]).toBeGreaterThanOrEqual(900);
  });

  it('fails with reason 5xx after exactly 3 attempts when ChatService keeps answering 503', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'c.pdf', content: FILES.pdf(4000) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    await sim.setFaults({ status: 503 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);

    expect(send).toMatchObject({ status: 'FAILED', reason: '5xx', failedAttempts: 3 });
    expect(send.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3]);
    expect(await sim.calls(room)).toBe(3);
    expect(await sim.inbox(room)).toEqual([]);
    const failed = (await eventsOf(stack, account.accountId, 'ai_agent_attachment_send_failed')).filter(
      (e) => e.properties.send_id === receipt.sendId,
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]!.properties).toMatchObject({ reason: '5xx', channel: 'whatsapp', action_id: action.id });
  });

  it('retries a 2xx without a message id, and after 3 such answers fails with unconfirmed, not 5xx', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'u.pdf', content: FILES.pdf(4100) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    // The simulator's fault answers the status with an error body: a 200 that names no message.
    await sim.setFaults({ status: 200 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send).toMatchObject({ status: 'FAILED', reason: 'unconfirmed', failedAttempts: 3 });
    expect(send.reasonDetail).toContain('without a message id');
    expect(send.attempts.map((a) => a.httpStatus)).toEqual([200, 200, 200]);
  });

  it('treats a 4xx as final at once: 413 becomes channel_limit_exceeded', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'd.pdf', content: FILES.pdf(4001) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    await sim.setFaults({ status: 413, count: 1 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send).toMatchObject({ status: 'FAILED', reason: 'channel_limit_exceeded', failedAttempts: 0 });
    expect(send.attempts).toHaveLength(1);
    expect(send.files[0].status).toBe('FAILED');
  });

  it('ends a 422 as channel_limit_exceeded and keeps the status and the start of the answer in the attempt', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'd.pdf', content: FILES.pdf(4002) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    await sim.setFaults({ status: 422, count: 1 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send).toMatchObject({ status: 'FAILED', reason: 'channel_limit_exceeded', failedAttempts: 0 });
    expect(send.attempts).toEqual([
      expect.objectContaining({ httpStatus: 422, error: 'HTTP 422: Simulated failure', responseExcerpt: expect.stringContaining('simulated_fault') }),
    ]);
  });

  it('ends a 401 at once as credentials, not as a channel failure, and the send shows nothing of the token', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'd.pdf', content: FILES.pdf(4003) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    await sim.setFaults({ status: 401, count: 1 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send).toMatchObject({ status: 'FAILED', reason: 'credentials', failedAttempts: 0 });
    expect(send.reasonDetail).toContain("refused the account's token");
    expect(send.attempts).toEqual([expect.objectContaining({ httpStatus: 401 })]);
    expect(JSON.stringify(send)).not.toContain(account.chatServiceToken);
  });

  it("honours a 429's Retry-After: the next attempt is a job of its own, held back that long instead of the queue's 1 s backoff", async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'r.pdf', content: FILES.pdf(4005) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    await sim.setFaults({ status: 429, count: 1, retryAfterSeconds: 3 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send).toMatchObject({ status: 'SENT', failedAttempts: 1 });
    const [first, second] = send.attempts;
    expect(first).toMatchObject({ attempt: 1, httpStatus: 429, error: 'HTTP 429: Simulated failure' });
    expect(second).toMatchObject({ attempt: 2, httpStatus: 201 });
    // A lower bound only: the second call cannot start before the wait ChatService asked for.
    const firstEnded = Date.parse(first.startedAt) + first.durationMs;
    expect(Date.parse(second.startedAt) - firstEnded).toBeGreaterThanOrEqual(2900);
    const jobs = await stack.sql<{ state: string; heldSeconds: number }[]>`
      select state, extract(epoch from start_after - created_on)::float8 as "heldSeconds"
      from pgboss.job where name = 'sends.deliver' and data->>'sendId' = ${receipt.sendId} order by created_on`;
    expect(jobs.map((j) => j.state)).toEqual(['completed', 'completed']);
    expect(jobs[1]!.heldSeconds).toBeGreaterThanOrEqual(2.9);
  });

  it('keeps the start of every answer in the attempt rows, successes included', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'd.pdf', content: FILES.pdf(4004) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send.status).toBe('SENT');
    expect(send.attempts[0]).toMatchObject({ httpStatus: 201, responseExcerpt: expect.stringContaining(send.files[0]!.messageId!) });
  });

  it('retries a timed-out call, and ChatService keeps the file once thanks to the Idempotency-Key', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'e.pdf', content: FILES.pdf(4002) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    // The simulator stores the message, then answers after the client's 1.5 s timeout.
    await sim.setFaults({ latencyMs: 2500 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    await waitFor(async () => ((await getSend(stack, account, receipt.sendId!)).failedAttempts >= 1 ? true : undefined), {
      what: 'a timed-out attempt',
    });
    await sim.clearFaults();
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send.status).toBe('SENT');
    expect(send.attempts[0]).toMatchObject({ httpStatus: null, error: expect.stringContaining('timeout') });
    expect(await sim.inbox(room)).toHaveLength(1);
  });

  it('fails with file_missing when a pinned file disappears from storage during delivery, keeping what was delivered', async () => {
    const files = [
      { name: 'first.pdf', content: FILES.pdf(6001) },
      { name: 'second.pdf', content: FILES.pdf(6002) },
    ];
    const action = await createTrainedAction(stack, account, { files });
    const room = await addRoom(stack, account, 'whatsapp');
    // The first answer waits 1 s after the file is stored: time to remove the second blob.
    await sim.setFaults({ latencyMs: 1000 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    await waitFor(async () => ((await sim.inbox(room)).length === 1 ? true : undefined), { what: 'the first file' });
    await stack.storage.removeBlob(sha(files[1]!.content));
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send).toMatchObject({ status: 'FAILED', reason: 'file_missing' });
    expect(send.files.map((f: { status: string }) => f.status)).toEqual(['DELIVERED', 'FAILED']);
    expect(await sim.inbox(room)).toHaveLength(1);
  });
});

