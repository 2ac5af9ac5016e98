import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from './support/files.js';
import { addRoom, invoke } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createTrainedAction } from './support/factories.js';

const LIST = `query($filter: SendFilter, $first: Int, $after: String) {
  sends(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id status reason channel conversationId actionId files { fileName } attempts { id } } }
  }
}`;

describe('sends and send(id)', () => {
  let stack: TestStack;
  let account: TestAccount;
  let actionId: string;
  const queued: string[] = [];
  let failedId: string;

  const list = async (variables: Record<string, unknown>, token = account.tokens.VIEWER) => {
    const res = await stack.client.query(token, LIST, variables);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data.sends;
  };

  beforeAll(async () => {
    stack = await startTestStack({ WORKER_CONCURRENCY: '0' });
    account = await stack.createAccount();
    actionId = (await createTrainedAction(stack, account, { files: [{ name: 'list.pdf', content: FILES.pdf(1200) }] })).id;
    const whatsapp = await addRoom(stack, account, 'whatsapp');
    for (let i = 0; i < 5; i++) {
      queued.push((await invoke(stack, account, { actionId, conversationId: whatsapp, idempotencyKey: `h-${i}` })).sendId!);
    }
    const instagram = await addRoom(stack, account, 'instagram');
    failedId = (await invoke(stack, account, { actionId, conversationId: instagram })).sendId!;
  });
  afterAll(() => stack?.stop());

  it('pages newest first with cursors, without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = await list({ first: 2, after });
      expect(page.totalCount).toBe(6);
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([failedId, ...[...queued].reverse()]);
  });

  it('filters by status, channel, reason, action, agent, conversation and time', async () => {
    expect((await list({ filter: { status: ['FAILED'] } })).edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([failedId]);
    expect((await list({ filter: { channel: ['whatsapp'] } })).totalCount).toBe(5);
    expect((await list({ filter: { reason: ['channel_unsupported'] } })).totalCount).toBe(1);
    expect((await list({ filter: { actionId } })).totalCount).toBe(6);
    expect((await list({ filter: { actionId: 'not-a-uuid' } })).totalCount).toBe(0);
    expect((await list({ filter: { agentId: account.agentId, status: ['QUEUED'] } })).totalCount).toBe(5);
    const [first] = (await list({ filter: { status: ['QUEUED'] }, first: 1 })).edges;
    expect((await list({ filter: { conversationId: first.node.conversationId } })).totalCount).toBe(5);
    expect((await list({ filter: { from: new Date(Date.now() + 60_000).toISOString() } })).totalCount).toBe(0);
    expect((await list({ filter: { to: new Date(Date.now() + 60_000).toISOString() } })).totalCount).toBe(6);
  });

  it('refuses a malformed cursor or page size with BAD_USER_INPUT', async () => {
    const bad = await stack.client.query(account.tokens.VIEWER, LIST, { after: 'garbage' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const big = await stack.client.query(account.tokens.VIEWER, LIST, { first: 1000 });
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it("never shows another account's sends", async () => {
    const other = await stack.createAccount();
    expect((await list({}, other.tokens.ADMIN)).totalCount).toBe(0);
    const res = await stack.client.query(other.tokens.ADMIN, `query($id: ID!) { send(id: $id) { id } }`, { id: failedId });
    expect(res.data.send).toBeNull();
  });

  it("lets AI_SERVICE read its account's sends (what became of its calls), but not the stats", async () => {
    const res = await stack.client.query(account.tokens.AI_SERVICE, LIST, {});
    expect(res.errors).toBeUndefined();
    expect(res.data.sends.totalCount).toBe((await list({}, account.tokens.ADMIN)).totalCount);
    const one = await stack.client.query(account.tokens.AI_SERVICE, `query($id: ID!) { send(id: $id) { id status reason } }`, { id: failedId });
    expect(one.data.send).toMatchObject({ id: failedId, status: 'FAILED' });
    const stats = await stack.client.query(account.tokens.AI_SERVICE, `{ failureReasons { reason } }`);
    expect(stats.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
