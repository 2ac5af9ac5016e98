import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEND_ATTACHMENT_FLAG } from '../server/src/accounts/roles.js';
import { FILES } from './support/files.js';
import type { GraphQLResponse } from './support/graphql-client.js';
import { addRoom, eventsOf, getSend, invoke, simulatorOf, waitForFinalSend, type SimulatorControl } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createAction } from './support/factories.js';

const ADD = 'mutation($c: String!, $l: String!) { addTestConversation(conversationId: $c, label: $l) { conversationId label channel } }';
const REMOVE = 'mutation($c: String!) { removeTestConversation(conversationId: $c) }';
const LIST = '{ testConversations { conversationId label channel } }';
const SEND_TEST = 'mutation($a: ID!, $c: String!) { sendTestAttachment(actionId: $a, conversationId: $c) { sendId status reason message deduplicated } }';
const STATS = 'query($f: DateTime!, $t: DateTime!) { sendStats(from: $f, to: $t, bucket: DAY) { sent failed filesSentAsLinks } }';

const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code;

/**
 * "Send a test" (issue 13 item 14): an admin keeps the account's test conversations, and a
 * builder sends an action's files to one through the real path (guards, worker, simulator),
 * marked as a test: in the history and its events, never in the stats or alerts.
 */
describe('send a test', () => {
  let stack: TestStack;
  let sim: SimulatorControl;

  beforeAll(async () => {
    stack = await startTestStack({ WORKER_POLL_MS: '100', SEND_RETRY_DELAY_SECONDS: '1', ALERT_MIN_SENDS: '3' });
    sim = simulatorOf(stack);
  });
  afterAll(() => stack?.stop());
  afterEach(() => sim.clearFaults());

  const day = () => ({ f: new Date(Date.now() - 86_400_000).toISOString(), t: new Date(Date.now() + 86_400_000).toISOString() });
  const addTestRoom = async (account: TestAccount, channel: string, label = `QA ${channel}`) => {
    const room = await addRoom(stack, account, channel);
    const res = await stack.client.query(account.tokens.ADMIN, ADD, { c: room, l: label });
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return room;
  };

  it('delivers the files of an untrained action to a test conversation, marked as a test, and counts it nowhere', async () => {
    const account = await stack.createAccount();
    const pdf = FILES.pdf(30_000);
    const action = await createAction(stack, account, { name: 'Price list', files: [{ name: 'prices.pdf', content: pdf }] });
    const room = await addTestRoom(account, 'whatsapp', '  QA WhatsApp  ');
    expect((await stack.client.query(account.tokens.VIEWER, LIST)).data.testConversations).toEqual([{ conversationId: room, label: 'QA WhatsApp', channel: 'whatsapp' }]);

    // The AI service cannot call it before training; a builder's test can.
    expect(await invoke(stack, account, { actionId: action.id, conversationId: room })).toMatchObject({ status: 'REJECTED', reason: 'NOT_TRAINED' });
    const res = await stack.client.query(account.tokens.BOT_MANAGER, SEND_TEST, { a: action.id, c: room });
    expect(res.errors).toBeUndefined();
    // It waits for the outcome (10 s at most): the worker delivered it by then.
    expect(res.data.sendTestAttachment).toMatchObject({ status: 'SENT', reason: null, deduplicated: false });
    const sendId = res.data.sendTestAttachment.sendId;

    const inbox = await sim.inbox(room);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.type).toBe('document');
    const send = await getSend(stack, account, sendId);
    expect(send).toMatchObject({ status: 'SENT', conversationId: room });
    const marked = await stack.client.query(account.tokens.VIEWER, 'query($id: ID!) { send(id: $id) { isTest } }', { id: sendId });
    expect(marked.data.send.isTest).toBe(true);

    for (const name of ['ai_agent_attachment_action_triggered', 'ai_agent_attachment_sent']) {
      const events = await eventsOf(stack, account.accountId, name);
      expect(events).toHaveLength(1);
      expect(events[0]!.properties).toMatchObject({ is_test: true, action_id: action.id });
    }
    expect((await stack.client.query(account.tokens.VIEWER, STATS, day())).data.sendStats).toMatchObject({ sent: 0, failed: 0 });

    // A real send of the same action (once trained) is counted, and carries no is_test.
    await stack.client.query(account.tokens.ADMIN, 'mutation($a: ID!) { trainAgent(agentId: $a) { version } }', { a: account.agentId });
    const customer = await addRoom(stack, account, 'whatsapp');
    const real = await invoke(stack, account, { actionId: action.id, conversationId: customer });
    await waitForFinalSend(stack, account, real.sendId!);
    expect((await stack.client.query(account.tokens.VIEWER, STATS, day())).data.sendStats).toMatchObject({ sent: 1, failed: 0 });
    const sent = await eventsOf(stack, account.accountId, 'ai_agent_attachment_sent');
    expect(sent.map((e: { properties: { is_test?: boolean } }) => e.properties.is_test ?? false).sort()).toEqual([false, true]);
  });

  it('answers a guard failure as the AI service would get it, and leaves failed tests out of the alerts', async () => {
    const account = await stack.createAccount();
    const action = await createAction(stack, account, { files: [{ name: 'a.pdf', content: FILES.pdf() }] });
    const instagram = await addTestRoom(account, 'instagram');
    const refused = await stack.client.query(account.tokens.ADMIN, SEND_TEST, { a: action.id, c: instagram });
    expect(refused.data.sendTestAttachment).toMatchObject({ status: 'FAILED', reason: 'channel_unsupported' });
    expect(refused.data.sendTestAttachment.message).toMatch(/channel cannot carry files/);

    // ChatService failing: the test fails after its retries, like any send.
    const whatsapp = await addTestRoom(account, 'whatsapp');
    await sim.setFaults({ status: 503 });
    const failing = await stack.client.query(account.tokens.ADMIN, SEND_TEST, { a: action.id, c: whatsapp });
    const failed = await waitForFinalSend(stack, account, failing.data.sendTestAttachment.sendId);
    expect(failed).toMatchObject({ status: 'FAILED', reason: '5xx' });
    for (let i = 0; i < 3; i++) {
      const res = await stack.client.query(account.tokens.ADMIN, SEND_TEST, { a: action.id, c: instagram });
      expect(res.data.sendTestAttachment.status).toBe('FAILED');
      // Past the duplicate window's reach: each is its own send.
      await stack.sql`update sends set created_at = created_at - interval '1 hour' where account_id = ${account.accountId}`;
    }
    await stack.server.services.alerts.evaluate();
    const alerts = (await stack.client.query(account.tokens.VIEWER, '{ alerts { rule firing value } }')).data.alerts;
    expect(alerts.find((a: { rule: string }) => a.rule === 'SUCCESS_RATE_1H')).toMatchObject({ firing: false, value: null });
  });

  it('sends only to the listed conversations, for builders only, and only what an invoke could send', async () => {
    const account = await stack.createAccount();
    const other = await stack.createAccount();
    const action = await createAction(stack, account, { files: [{ name: 'a.pdf', content: FILES.pdf() }] });
    const theirs = await createAction(stack, other, { files: [{ name: 'b.pdf', content: FILES.pdf(900) }] });
    const listed = await addTestRoom(account, 'whatsapp');
    const customer = await addRoom(stack, account, 'whatsapp');
    const send = (token: string, a: string, c: string) => stack.client.query(token, SEND_TEST, { a, c });

    const unlisted = await send(account.tokens.ADMIN, action.id, customer);
    expect(codeOf(unlisted)).toBe('BAD_USER_INPUT');
    expect(unlisted.errors![0]!.message).toMatch(/not one of the account's test conversations/);
    for (const role of ['VIEWER', 'AGENT', 'AI_SERVICE', 'OPS'] as const) expect(codeOf(await send(account.tokens[role], action.id, listed))).toBe('FORBIDDEN');
    // Another account's action, or its own action to another account's test conversation: nothing is sent.
    expect((await send(account.tokens.ADMIN, theirs.id, listed)).data.sendTestAttachment).toMatchObject({ sendId: null, status: 'REJECTED', reason: 'NOT_FOUND' });
    const otherRoom = await addTestRoom(other, 'whatsapp');
    expect(codeOf(await send(account.tokens.ADMIN, action.id, otherRoom))).toBe('BAD_USER_INPUT');

    await stack.client.query(account.tokens.ADMIN, 'mutation($id: ID!) { setActionEnabled(id: $id, enabled: false) { id } }', { id: action.id });
    expect((await send(account.tokens.ADMIN, action.id, listed)).data.sendTestAttachment).toMatchObject({ status: 'REJECTED', reason: 'ACTION_DISABLED' });
    await stack.client.query(account.tokens.ADMIN, 'mutation($id: ID!) { setActionEnabled(id: $id, enabled: true) { id } }', { id: action.id });
    await stack.server.services.accounts.setFeatureFlag(account.accountId, SEND_ATTACHMENT_FLAG, false);
    expect((await send(account.tokens.ADMIN, action.id, listed)).data.sendTestAttachment).toMatchObject({ status: 'REJECTED', reason: 'FEATURE_DISABLED' });
    await stack.server.services.accounts.setFeatureFlag(account.accountId, SEND_ATTACHMENT_FLAG, true);

    const [{ n }] = await stack.sql`select count(*)::int as n from sends where account_id in (${account.accountId}, ${other.accountId})`;
    expect(n).toBe(0);
    expect(await sim.inbox(customer)).toHaveLength(0);
  });

  it('lets only an admin keep the list: checked with ChatService, named, limited, removable', async () => {
    const account = await stack.createAccount();
    const other = await stack.createAccount();
    const room = await addRoom(stack, account, 'telegram');
    const add = (token: string, c: string, l = 'QA') => stack.client.query(token, ADD, { c, l });

    for (const role of ['BOT_MANAGER', 'AGENT', 'VIEWER', 'AI_SERVICE', 'OPS'] as const) expect(codeOf(await add(account.tokens[role], room))).toBe('FORBIDDEN');
    expect(codeOf(await stack.client.query(account.tokens.BOT_MANAGER, REMOVE, { c: room }))).toBe('FORBIDDEN');

    const unknown = await add(account.tokens.ADMIN, 'no-such-room');
    expect(codeOf(unknown)).toBe('BAD_USER_INPUT');
    expect(unknown.errors![0]!.message).toMatch(/ChatService has no conversation/);
    // Another account's room is unknown to this account's ChatService token.
    const theirs = await addRoom(stack, other, 'whatsapp');
    expect(codeOf(await add(account.tokens.ADMIN, theirs))).toBe('BAD_USER_INPUT');
    for (const [c, l] of [['../x', 'QA'], [room, '   '], [room, 'x'.repeat(101)]] as const) expect(codeOf(await add(account.tokens.ADMIN, c, l))).toBe('BAD_USER_INPUT');

    expect((await add(account.tokens.ADMIN, room, 'QA Telegram')).data.addTestConversation).toEqual({ conversationId: room, label: 'QA Telegram', channel: 'telegram' });
    // Adding it again renames it.
    expect((await add(account.tokens.ADMIN, room, 'QA Telegram (Siti)')).data.addTestConversation.label).toBe('QA Telegram (Siti)');
    expect((await stack.client.query(other.tokens.ADMIN, LIST)).data.testConversations).toEqual([]);
    expect(codeOf(await stack.client.query(other.tokens.ADMIN, REMOVE, { c: room }))).toBe('NOT_FOUND');

    for (let i = 1; i < 20; i++) expect((await add(account.tokens.ADMIN, await addRoom(stack, account, 'whatsapp'), `QA ${i}`)).errors).toBeUndefined();
    const over = await add(account.tokens.ADMIN, await addRoom(stack, account, 'whatsapp'), 'QA 21');
    expect(codeOf(over)).toBe('BAD_USER_INPUT');
    expect(over.errors![0]!.message).toMatch(/at most 20/);
    expect((await add(account.tokens.ADMIN, room, 'Renaming still works at the limit')).errors).toBeUndefined();

    expect((await stack.client.query(account.tokens.ADMIN, REMOVE, { c: room })).data.removeTestConversation).toBe(true);
    expect((await stack.client.query(account.tokens.ADMIN, LIST)).data.testConversations).toHaveLength(19);
  });
});
