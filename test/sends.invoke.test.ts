import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from './support/files.js';
import { addRoom, eventsOf, getSend, invoke, simulatorOf, type SimulatorControl } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createAction, createTrainedAction, train } from './support/factories.js';

const MB = 1024 * 1024;

/**
 * invokeSendAttachment without delivery: WORKER_CONCURRENCY=0 keeps sends QUEUED, so each
 * test sees exactly what invoke wrote.
 */
describe('invokeSendAttachment', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let account: TestAccount;
  let actionId: string;
  let room: string;

  const sendRows = async (accountId: string) => stack.sql`select * from sends where account_id = ${accountId}`;

  beforeAll(async () => {
    stack = await startTestStack({ WORKER_CONCURRENCY: '0' });
    sim = simulatorOf(stack);
    account = await stack.createAccount();
    actionId = (await createTrainedAction(stack, account, { files: [{ name: 'price-list.pdf', content: FILES.pdf(2048) }] })).id;
    room = await addRoom(stack, account, 'whatsapp');
  });
  afterAll(() => stack?.stop());

  it('queues a send, records the triggered event and answers QUEUED', async () => {
    const receipt = await invoke(stack, account, { actionId, conversationId: room, caption: 'Here you go', idempotencyKey: 'k-queued' });
    expect(receipt).toMatchObject({ status: 'QUEUED', reason: null, deduplicated: false, sendId: expect.any(String) });
    const send = await getSend(stack, account, receipt.sendId!);
    expect(send).toMatchObject({ status: 'QUEUED', channel: 'whatsapp', conversationId: room, caption: 'Here you go', actionName: 'Price list' });
    expect(send.files).toHaveLength(1);
    const [job] = await stack.sql`select data, retry_limit from pgboss.job where name = 'sends.deliver' and data->>'sendId' = ${receipt.sendId}`;
    expect(job).toBeDefined();
    const triggered = await eventsOf(stack, account.accountId, 'ai_agent_attachment_action_triggered');
    expect(triggered.at(-1)!.properties).toMatchObject({
      account_id: account.accountId,
      agent_id: account.agentId,
      action_id: actionId,
      conversation_id: room,
    });
  });

  it('refuses roles other than AI_SERVICE with FORBIDDEN', async () => {
    const res = await stack.client.query(
      account.tokens.ADMIN,
      `mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { status } }`,
      { i: { actionId, conversationId: room } },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  describe('rejections leave no send row and no event', () => {
    it('rejects with FEATURE_DISABLED when the flag is off', async () => {
      const other = await stack.createAccount();
      const otherAction = (await createTrainedAction(stack, other, { files: [{ name: 'x.pdf', content: FILES.pdf(1000) }] })).id;
      const otherRoom = await addRoom(stack, other, 'whatsapp');
      await stack.server.services.accounts.setFeatureFlag(other.accountId, 'ai_agent_send_attachment_action', false);
      const receipt = await invoke(stack, other, { actionId: otherAction, conversationId: otherRoom });
      expect(receipt).toEqual({ sendId: null, status: 'REJECTED', reason: 'FEATURE_DISABLED', deduplicated: false });
      expect(await sendRows(other.accountId)).toHaveLength(0);
      expect(await eventsOf(stack, other.accountId, 'ai_agent_attachment_action_triggered')).toHaveLength(0);
    });

    it('rejects a disabled action with ACTION_DISABLED, an untrained one with NOT_TRAINED, a deleted one with NOT_FOUND', async () => {
      const other = await stack.createAccount();
      const otherRoom = await addRoom(stack, other, 'whatsapp');
      const disabled = (await createTrainedAction(stack, other, { files: [{ name: 'a.pdf', content: FILES.pdf(1001) }] })).id;
      await stack.client.query(other.tokens.ADMIN, `mutation($id: ID!) { setActionEnabled(id: $id, enabled: false) { id } }`, { id: disabled });
      expect((await invoke(stack, other, { actionId: disabled, conversationId: otherRoom })).reason).toBe('ACTION_DISABLED');

      const untrained = (await createAction(stack, other, { files: [{ name: 'b.pdf', content: FILES.pdf(1002) }] })).id;
      expect((await invoke(stack, other, { actionId: untrained, conversationId: otherRoom })).reason).toBe('NOT_TRAINED');

      const deleted = (await createTrainedAction(stack, other, { files: [{ name: 'c.pdf', content: FILES.pdf(1003) }] })).id;
      await stack.client.query(other.tokens.ADMIN, `mutation($id: ID!) { deleteAction(id: $id) }`, { id: deleted });
      expect((await invoke(stack, other, { actionId: deleted, conversationId: otherRoom })).reason).toBe('NOT_FOUND');
      expect((await invoke(stack, other, { actionId: 'not-a-uuid', conversationId: otherRoom })).reason).toBe('NOT_FOUND');

      // Another account's action is not found either.
      expect((await invoke(stack, other, { actionId, conversationId: otherRoom })).reason).toBe('NOT_FOUND');
      expect(await sendRows(other.accountId)).toHaveLength(0);
      expect(await eventsOf(stack, other.accountId, 'ai_agent_attachment_action_triggered')).toHaveLength(0);
    });

    it('rejects a room of another account, or an unknown room, with NOT_FOUND', async () => {
      const other = await stack.createAccount();
      const othersRoom = await addRoom(stack, other, 'whatsapp');
      expect((await invoke(stack, account, { actionId, conversationId: othersRoom })).reason).toBe('NOT_FOUND');
      expect((await invoke(stack, account, { actionId, conversationId: 'no-such-room' })).reason).toBe('NOT_FOUND');
      expect(await sim.calls(othersRoom)).toBe(0);
    });

    it('has no way to send a URL or any file that is not pinned (NEG-2, NEG-3)', async () => {
      const before = (await sendRows(account.accountId)).length;
      const res = await stack.client.query(
        account.tokens.AI_SERVICE,
        `mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { status } }`,
        { i: { actionId, conversationId: room, fileUrl: 'https://example.com/kb/manual.pdf' } },
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await sendRows(account.accountId)).toHaveLength(before);
    });
  });

  describe('pre-send guards end the send as FAILED before any call to ChatService', () => {
    it('fails an Instagram conversation with channel_unsupported (NEG-4)', async () => {
      const instagram = await addRoom(stack, account, 'instagram');
      const receipt = await invoke(stack, account, { actionId, conversationId: instagram });
      expect(receipt).toMatchObject({ status: 'FAILED', reason: 'channel_unsupported', deduplicated: false });
      const send = await getSend(stack, account, receipt.sendId!);
      expect(send).toMatchObject({ status: 'FAILED', reason: 'channel_unsupported', channel: 'instagram', attempts: [] });
      const failed = (await eventsOf(stack, account.accountId, 'ai_agent_attachment_send_failed')).filter((e) => e.properties.send_id === receipt.sendId);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.properties).toMatchObject({ reason: 'channel_unsupported', channel: 'instagram', action_id: actionId, agent_id: account.agentId });
      expect(await sim.calls(instagram)).toBe(0);
      expect(await stack.sql`select 1 from pgboss.job where data->>'sendId' = ${receipt.sendId}`).toHaveLength(0);
    });

    it('fails a room on a channel code Send Attachment does not know with channel_unsupported, naming the code', async () => {
      const messenger = await addRoom(stack, account, 'fb_messenger');
      const receipt = await invoke(stack, account, { actionId, conversationId: messenger });
      expect(receipt).toMatchObject({ status: 'FAILED', reason: 'channel_unsupported' });
      const send = await getSend(stack, account, receipt.sendId!);
      expect(send).toMatchObject({ reason: 'channel_unsupported', channel: 'fb_messenger', attempts: [] });
      expect(send.reasonDetail).toContain('"fb_messenger"');
      expect(await sim.calls(messenger)).toBe(0);
    });

    it('fails with credentials, apart from channel failures, when the account has no ChatService token', async () => {
      const other = await stack.createAccount();
      const pdf = (await createTrainedAction(stack, other, { files: [{ name: 'p.pdf', content: FILES.pdf(2000) }] })).id;
      const otherRoom = await addRoom(stack, other, 'whatsapp');
      await stack.sql`update accounts set chat_service_token_sealed = null where id = ${other.accountId}`;
      const receipt = await invoke(stack, other, { actionId: pdf, conversationId: otherRoom });
      expect(receipt).toMatchObject({ status: 'FAILED', reason: 'credentials' });
      const send = await getSend(stack, other, receipt.sendId!);
      expect(send.reasonDetail).toContain('account:set-chat-service');
      const [failed] = await eventsOf(stack, other.accountId, 'ai_agent_attachment_send_failed');
      expect(failed!.properties).toMatchObject({ reason: 'credentials' });
    });

    it('fails with credentials when the stored token does not open (sealed for another account)', async () => {
      const [one, two] = [await stack.createAccount(), await stack.createAccount()];
      const pdf = (await createTrainedAction(stack, one, { files: [{ name: 'p.pdf', content: FILES.pdf(2100) }] })).id;
      const oneRoom = await addRoom(stack, one, 'whatsapp');
      // A sealed token copied from another account's row: bound to that account, it must not open.
      await stack.sql`update accounts set chat_service_token_sealed = (select chat_service_token_sealed from accounts where id = ${two.accountId})
        where id = ${one.accountId}`;
      const receipt = await invoke(stack, one, { actionId: pdf, conversationId: oneRoom });
      expect(receipt).toMatchObject({ status: 'FAILED', reason: 'credentials' });
      expect((await getSend(stack, one, receipt.sendId!)).reasonDetail).toContain('cannot be opened');
    });

    it('fails a video over the channel limit with channel_limit_exceeded, naming the file and the rule', async () => {
      const other = await stack.createAccount();
      const video = (await createTrainedAction(stack, other, { files: [{ name: 'demo.mp4', content: FILES.mp4(17 * MB) }] })).id;
      const whatsapp = await addRoom(stack, other, 'whatsapp');
      const receipt = await invoke(stack, other, { actionId: video, conversationId: whatsapp });
      expect(receipt).toMatchObject({ status: 'FAILED', reason: 'channel_limit_exceeded' });
      const send = await getSend(stack, other, receipt.sendId!);
      expect(send.reasonDetail).toContain('demo.mp4');
      expect(send.reasonDetail).toContain('16 MB');
      expect(await sim.calls(whatsapp)).toBe(0);
      // The same file fits Telegram's 50 MB.
      const telegram = await addRoom(stack, other, 'telegram');
      expect((await invoke(stack, other, { actionId: video, conversationId: telegram })).status).toBe('QUEUED');
    });

    it('fails with file_missing when a pinned file is gone from storage', async () => {
      const other = await stack.createAccount();
      const content = FILES.pdf(7777);
      const action = await createTrainedAction(stack, other, { files: [{ name: 'gone.pdf', content }] });
      const sha = action.attachments[0]!.sha256;
      await stack.storage.removeBlob(sha);
      const otherRoom = await addRoom(stack, other, 'whatsapp');
      const receipt = await invoke(stack, other, { actionId: action.id, conversationId: otherRoom });
      expect(receipt).toMatchObject({ status: 'FAILED', reason: 'file_missing' });
      expect(await sim.calls(otherRoom)).toBe(0);
    });
  });

  describe('captions', () => {
    it('cuts an AI caption longer than the channel allows at a word boundary', async () => {
      const other = await stack.createAccount();
      const image = (await createTrainedAction(stack, other, { files: [{ name: 'p.png', content: FILES.png(3000) }] })).id;
      const tokopedia = await addRoom(stack, other, 'tokopedia');
      const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
      const receipt = await invoke(stack, other, { actionId: image, conversationId: tokopedia, caption: words });
      const caption = (await getSend(stack, other, receipt.sendId!)).caption ?? '';
      expect(caption.length).toBeLessThanOrEqual(1000);
      expect(caption.length).toBeGreaterThan(900);
      expect(words.startsWith(caption)).toBe(true);
      expect(words[caption.length]).toBe(' ');
    });
  });

  describe('duplicates', () => {
    it('answers a repeated idempotencyKey with the first receipt, deduplicated, and writes nothing new', async () => {
      const first = await invoke(stack, account, { actionId, conversationId: room, idempotencyKey: 'turn-42' });
      const triggeredBefore = (await eventsOf(stack, account.accountId, 'ai_agent_attachment_action_triggered')).length;
      const again = await invoke(stack, account, { actionId, conversationId: room, idempotencyKey: 'turn-42' });
      expect(again).toEqual({ ...first, deduplicated: true });
      expect((await eventsOf(stack, account.accountId, 'ai_agent_attachment_action_triggered')).length).toBe(triggeredBefore);
      expect(await stack.sql`select 1 from sends where idempotency_key = 'turn-42'`).toHaveLength(1);
    });

    it('refuses a key reused with another action, conversation or caption (CONFLICT, IDEMPOTENCY_KEY_REUSED), naming the first send', async () => {
      const first = await invoke(stack, account, { actionId, conversationId: room, caption: 'Prices', idempotencyKey: 'turn-43' });
      const otherRoom = await addRoom(stack, account, 'whatsapp');
      const otherAction = (await createTrainedAction(stack, account, { files: [{ name: 'other.pdf', content: FILES.pdf(1700) }] })).id;
      const before = (await sendRows(account.accountId)).length;
      for (const changed of [{ caption: 'Other prices' }, { caption: null }, { conversationId: otherRoom }, { actionId: otherAction }]) {
        const res = await stack.client.query(
          account.tokens.AI_SERVICE,
          `mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { status } }`,
          { i: { actionId, conversationId: room, caption: 'Prices', idempotencyKey: 'turn-43', ...changed } },
        );
        expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'IDEMPOTENCY_KEY_REUSED', sendId: first.sendId });
        expect(res.errors?.[0]?.message).toContain(first.sendId);
      }
      expect(await sendRows(account.accountId)).toHaveLength(before);
      // The same request again is still the first receipt.
      expect(await invoke(stack, account, { actionId, conversationId: room, caption: 'Prices', idempotencyKey: 'turn-43' })).toEqual({ ...first, deduplicated: true });
    });

    it('compares keys exactly: keys that differ only in case or surrounding white space are different keys', async () => {
      const convo = await addRoom(stack, account, 'whatsapp');
      const receipts = [];
      for (const idempotencyKey of ['k', ' k', 'k\t', 'K']) receipts.push(await invoke(stack, account, { actionId, conversationId: convo, idempotencyKey }));
      expect(receipts.map((r) => r.deduplicated)).toEqual([false, false, false, false]);
      expect(new Set(receipts.map((r) => r.sendId)).size).toBe(4);
      const [tab] = await stack.sql`select idempotency_key from sends where id = ${receipts[2]!.sendId}`;
      expect(tab!.idempotency_key).toBe('k\t');
    });

    it('deduplicates a second call for the same action and conversation within the window', async () => {
      const convo = await addRoom(stack, account, 'telegram');
      const first = await invoke(stack, account, { actionId, conversationId: convo });
      const second = await invoke(stack, account, { actionId, conversationId: convo });
      expect(second).toEqual({ ...first, deduplicated: true });
      // A different conversation is a different send.
      const elsewhere = await addRoom(stack, account, 'telegram');
      expect((await invoke(stack, account, { actionId, conversationId: elsewhere })).deduplicated).toBe(false);
    });

    it('creates one send for many concurrent duplicate calls', async () => {
      const convo = await addRoom(stack, account, 'whatsapp');
      const receipts = await Promise.all(Array.from({ length: 8 }, () => invoke(stack, account, { actionId, conversationId: convo })));
      expect(new Set(receipts.map((r) => r.sendId)).size).toBe(1);
      expect(receipts.filter((r) => !r.deduplicated)).toHaveLength(1);
      const keyed = await Promise.all(
        Array.from({ length: 8 }, () => invoke(stack, account, { actionId, conversationId: convo, idempotencyKey: 'same-key' })),
      );
      expect(new Set(keyed.map((r) => r.sendId)).size).toBe(1);
      expect(await stack.sql`select 1 from sends where conversation_id = ${convo}`).toHaveLength(2);
      // The calls that lost the key rolled their delivery job back with their rows: no job
      // anywhere names a send that does not exist, and the winner has one.
      const orphans = await stack.sql`select 1 from pgboss.job j where j.name = 'sends.deliver'
        and not exists (select 1 from sends s where s.id = (j.data->>'sendId')::uuid)`;
      expect(orphans).toHaveLength(0);
      const jobs = await stack.sql`select 1 from pgboss.job where name = 'sends.deliver' and data->>'sendId' = ${keyed[0]!.sendId}`;
      expect(jobs).toHaveLength(1);
    });

    it('lets a key be used again once its send is older than the key lifetime (24 h)', async () => {
      const convo = await addRoom(stack, account, 'whatsapp');
      const old = await invoke(stack, account, { actionId, conversationId: convo, idempotencyKey: 'yesterday' });
      await stack.sql`update sends set created_at = now() - interval '25 hours' where id = ${old.sendId}`;
      const fresh = await invoke(stack, account, { actionId, conversationId: convo, idempotencyKey: 'yesterday' });
      expect(fresh).toMatchObject({ status: 'QUEUED', deduplicated: false });
      expect(fresh.sendId).not.toBe(old.sendId);
      const [oldRow] = await stack.sql`select idempotency_key from sends where id = ${old.sendId}`;
      expect(oldRow!.idempotency_key).toBeNull();
      expect((await invoke(stack, account, { actionId, conversationId: convo, idempotencyKey: 'yesterday' })).sendId).toBe(fresh.sendId);
    });

    it('answers a repeated key for a guard failure with the same FAILED receipt', async () => {
      const instagram = await addRoom(stack, account, 'instagram');
      const first = await invoke(stack, account, { actionId, conversationId: instagram, idempotencyKey: 'ig-1' });
      const again = await invoke(stack, account, { actionId, conversationId: instagram, idempotencyKey: 'ig-1' });
      expect(again).toEqual({ ...first, deduplicated: true, status: 'FAILED', reason: 'channel_unsupported' });
    });
  });

  it('rejects with NOT_TRAINED an action that was off at the last training, even once re-enabled', async () => {
    const other = await stack.createAccount();
    const id = (await createTrainedAction(stack, other, { files: [{ name: 'r.pdf', content: FILES.pdf(1500) }] })).id;
    const otherRoom = await addRoom(stack, other, 'whatsapp');
    await stack.client.query(other.tokens.ADMIN, `mutation($id: ID!) { setActionEnabled(id: $id, enabled: false) { id } }`, { id });
    await train(stack, other);
    await stack.client.query(other.tokens.ADMIN, `mutation($id: ID!) { setActionEnabled(id: $id, enabled: true) { id } }`, { id });
    expect((await invoke(stack, other, { actionId: id, conversationId: otherRoom })).reason).toBe('NOT_TRAINED');
  });
});
