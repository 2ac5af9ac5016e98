import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { saveAction, SET_ENABLED, TOOLS, TRAIN } from '../support/operations.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const LIMITS = `query { attachmentLimits { maxToolsPerAgent } }`;

/** OpenAI refuses a request with more than 128 tools: training refuses to make such a tool set. */
describe('at most 128 tools per trained tool set', () => {
  let stack: TestStack;
  let account: TestAccount;
  const actionIds: string[] = [];

  beforeAll(async () => {
    // 129 saves in a few seconds: more than a console token's default request budget allows.
    stack = await startTestStack({ WORKER_CONCURRENCY: '0', RATE_LIMIT_CONSOLE_POINTS: '10000000' });
    account = await stack.createAccount();
    const save = async (i: number) => {
      const res = await saveAction(stack.client, account.tokens.ADMIN, { agentId: account.agentId, name: `Action ${i}` }, [
        { name: 'brochure.pdf', content: FILES.pdf(1200) },
      ]);
      expect(res.errors).toBeUndefined();
      return res.data!.saveSendAttachmentAction.id as string;
    };
    for (let i = 0; i < 129; i += 8) {
      actionIds.push(...(await Promise.all(Array.from({ length: Math.min(8, 129 - i) }, (_, j) => save(i + j)))));
    }
  }, 120_000);
  afterAll(() => stack?.stop());

  it('serves the limit to any signed-in role, as the file limits are', async () => {
    for (const token of [account.tokens.ADMIN, account.tokens.VIEWER, account.tokens.AI_SERVICE]) {
      const res = await stack.client.query(token, LIMITS);
      expect(res.errors).toBeUndefined();
      expect(res.data.attachmentLimits.maxToolsPerAgent).toBe(128);
    }
  });

  it('refuses to train 129 enabled actions, naming the limit, and keeps the last training', async () => {
    await stack.client.query(account.tokens.ADMIN, SET_ENABLED, { id: actionIds[0], enabled: false });
    const first = await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId });
    expect(first.errors).toBeUndefined();
    expect(first.data!.trainAgent.tools).toHaveLength(128);

    await stack.client.query(account.tokens.ADMIN, SET_ENABLED, { id: actionIds[0], enabled: true });
    const refused = await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId });
    expect(refused.data?.trainAgent ?? null).toBeNull();
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'agentId', reason: 'TOO_MANY_TOOLS' });
    expect(refused.errors![0]!.message).toContain('129 enabled actions');
    expect(refused.errors![0]!.message).toContain('at most 128');
    expect(refused.errors![0]!.message).toContain('Disable 1 action,');

    const served = await stack.client.query(account.tokens.AI_SERVICE, TOOLS, { agentId: account.agentId });
    expect(served.data!.agentTools).toMatchObject({ version: 1 });
    expect(served.data!.agentTools.tools).toHaveLength(128);
  });
});
