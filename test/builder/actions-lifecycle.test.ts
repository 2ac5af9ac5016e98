import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import type { FunctionTool } from '../support/graphql.js';
import { ACTIONS, CATALOG, DELETE, SET_ENABLED, saveAction, TOOLS, TRAIN, uploadFile } from '../support/operations.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const AGENTS = `query { agents { id name trainedVersion trainedAt needsTraining } }`;

describe('action lifecycle: catalog, enable, delete, train (S03)', () => {
  let stack: TestStack;
  let acme: TestAccount;
  const admin = () => acme.tokens.ADMIN;

  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.createAccount();
  });
  afterAll(() => stack?.stop());

  const create = async (overrides: Record<string, unknown> = {}, account = acme) => {
    const staged = (await uploadFile(stack.client, account.tokens.ADMIN, { name: 'brochure.pdf', content: FILES.pdf(1111) }))
      .data!.uploadAttachment.id;
    const res = await saveAction(stack.client, account.tokens.ADMIN, {
      agentId: account.agentId,
      attachmentIds: [staged],
      ...overrides,
    });
    expect(res.errors).toBeUndefined();
    return res.data!.saveSendAttachmentAction as { id: string; version: number; toolName: string; attachments: { sha256: string }[] };
  };
  const trainingState = async (account = acme) =>
    (await stack.client.query(account.tokens.ADMIN, AGENTS)).data.agents.find((a: { id: string }) => a.id === account.agentId);

  describe('actionCatalog', () => {
    it('offers Send Attachment while the flag is on', async () => {
      const res = await stack.client.query(admin(), CATALOG, { agentId: acme.agentId });
      expect(res.data!.actionCatalog).toEqual([{ type: 'QONTAK_SEND_ATTACHMENT', label: 'Send Attachment' }]);
    });

    it('does not offer it while the flag is off (S03 ERR-1)', async () => {
      const off = await stack.createAccount({ flag: false });
      const res = await stack.client.query(off.tokens.ADMIN, CATALOG, { agentId: off.agentId });
      expect(res.data!.actionCatalog).toEqual([]);
    });
  });

  describe('trainAgent and agentTools', () => {
    it('has version 0 and no tools before the first training', async () => {
      const fresh = await stack.createAccount();
      const res = await stack.client.query(fresh.tokens.AI_SERVICE, TOOLS, { agentId: fresh.agentId });
      expect(res.data!.agentTools).toEqual({ version: 0, trainedAt: null, tools: [], capabilityActions: [] });
    });

    it('makes an enabled action a callable tool in OpenAI function-calling format (S03 AC-1)', async () => {
      const account = await stack.createAccount();
      const ai = await create({ name: 'Brochure', trigger: 'When the customer asks for the brochure.' }, account);
      const manual = await create(
        { name: 'Price list', trigger: 'When asked for prices.', contentMode: 'MANUAL', contentMessage: 'Our prices' },
        account,
      );
      const trained = await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId });
      expect(trained.errors).toBeUndefined();
      expect(trained.data!.trainAgent.version).toBe(1);

      const res = await stack.client.query(account.tokens.AI_SERVICE, TOOLS, { agentId: account.agentId });
      const { capabilityActions, version, trainedAt } = res.data!.agentTools;
      const tools = res.data!.agentTools.tools as FunctionTool[];
      expect(version).toBe(1);
      expect(new Date(trainedAt!).getTime()).not.toBeNaN();
      expect(tools).toHaveLength(2);
      for (const tool of tools) {
        expect(tool.type).toBe('function');
        expect(tool.function.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
        expect(tool.function.name.startsWith('qontak_send_attachment')).toBe(true);
      }
      const aiTool = tools.find((t) => t.function.name === ai.toolName)!;
      expect(aiTool.function.description).toBe('When the customer asks for the brochure.');
      expect(aiTool.function.parameters).toMatchObject({ type: 'object', properties: { caption: { type: ['string', 'null'] } }, required: ['caption'] });
      const manualTool = tools.find((t) => t.function.name === manual.toolName)!;
      expect(manualTool.function.parameters.properties).toEqual({});

      expect(capabilityActions).toContainEqual({
        id: ai.id,
        name: 'Brochure',
        tool_name: ai.toolName,
        action_type: 'qontak_send_attachment',
        action_type_version: 1,
        description: 'When the customer asks for the brochure.',
      });
    });

    it('drops a disabled or deleted action at the next training (S03 AC-2)', async () => {
      const account = await stack.createAccount();
      const kept = await create({}, account);
      const disabled = await create({}, account);
      const deleted = await create({}, account);
      await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId });
      expect(await trainingState(account)).toMatchObject({ trainedVersion: 1, needsTraining: false });

      const off = await stack.client.query(account.tokens.ADMIN, SET_ENABLED, { id: disabled.id, enabled: false });
      expect(off.data!.setActionEnabled).toMatchObject({ enabled: false, version: disabled.version + 1 });
      expect((await stack.client.query(account.tokens.ADMIN, DELETE, { id: deleted.id })).data!.deleteAction).toBe(true);
      expect(await trainingState(account)).toMatchObject({ needsTraining: true });

      await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId });
      const res = await stack.client.query(account.tokens.AI_SERVICE, TOOLS, { agentId: account.agentId });
      expect(res.data!.agentTools.version).toBe(2);
      expect((res.data!.agentTools.tools as FunctionTool[]).map((t) => t.function.name)).toEqual([kept.toolName]);
      expect(await trainingState(account)).toMatchObject({ trainedVersion: 2, needsTraining: false });
    });

    it('reports changes waiting for training after an edit', async () => {
      const account = await stack.createAccount();
      const action = await create({}, account);
      await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId });
      await saveAction(stack.client, account.tokens.ADMIN, {
        id: action.id,
        agentId: account.agentId,
        trigger: 'A new trigger',
        attachmentIds: [],
      });
      // The save above had no files: it is refused and changes nothing.
      expect(await trainingState(account)).toMatchObject({ needsTraining: false });
      const kept = (await stack.client.query(account.tokens.ADMIN, ACTIONS, { agentId: account.agentId })).data!.actions[0]
        .attachments.map((a: { id: string }) => a.id);
      await saveAction(stack.client, account.tokens.ADMIN, {
        id: action.id,
        agentId: account.agentId,
        trigger: 'A new trigger',
        attachmentIds: kept,
      });
      expect(await trainingState(account)).toMatchObject({ needsTraining: true });
    });

    it('serves no Send Attachment tool while the flag is off, at once, and serves them again when it is back on (S02)', async () => {
      const account = await stack.createAccount();
      const action = await create({}, account);
      const tools = async () =>
        (await stack.client.query(account.tokens.AI_SERVICE, TOOLS, { agentId: account.agentId })).data!.agentTools as {
          version: number;
          tools: { function: { name: string } }[];
          capabilityActions: unknown[];
        };
      await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId });
      expect((await tools()).tools.map((t) => t.function.name)).toEqual([action.toolName]);

      // Turned off after training: the trained tool is not served, without any retraining.
      await stack.server.services.accounts.setFeatureFlag(account.accountId, 'ai_agent_send_attachment_action', false);
      expect(await tools()).toMatchObject({ version: 1, tools: [], capabilityActions: [] });
      // Training while off answers what is served (nothing) and keeps the configuration.
      const res = await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId });
      expect(res.data!.trainAgent).toMatchObject({ version: 2, tools: [], capabilityActions: [] });
      const agent = (await stack.client.query(account.tokens.ADMIN, `{ agents { id sendAttachmentUnavailable needsTraining } }`)).data.agents[0];
      expect(agent.sendAttachmentUnavailable).toMatch(/^Send Attachment is turned off for this account/);
      expect(agent.needsTraining).toBe(false);

      await stack.server.services.accounts.setFeatureFlag(account.accountId, 'ai_agent_send_attachment_action', true);
      expect((await tools()).tools.map((t) => t.function.name)).toEqual([action.toolName]);
      expect((await tools()).capabilityActions).toHaveLength(1);
      const on = (await stack.client.query(account.tokens.ADMIN, `{ agents { sendAttachmentUnavailable } }`)).data.agents[0];
      expect(on.sendAttachmentUnavailable).toBeNull();
    });

    it('gives concurrent trainings distinct versions', async () => {
      const account = await stack.createAccount();
      await create({}, account);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId })),
      );
      expect(results.every((r) => !r.errors)).toBe(true);
      expect(results.map((r) => r.data!.trainAgent.version).sort()).toEqual([1, 2, 3, 4, 5]);
    });
  });

  describe('setActionEnabled', () => {
    it('refuses to enable while the flag is off, but always allows disabling', async () => {
      const account = await stack.createAccount();
      const action = await create({}, account);
      await stack.server.services.accounts.setFeatureFlag(account.accountId, 'ai_agent_send_attachment_action', false);
      const disable = await stack.client.query(account.tokens.ADMIN, SET_ENABLED, { id: action.id, enabled: false });
      expect(disable.data!.setActionEnabled.enabled).toBe(false);
      const enable = await stack.client.query(account.tokens.ADMIN, SET_ENABLED, { id: action.id, enabled: true });
      expect(enable.errors?.[0]?.extensions?.code).toBe('FEATURE_DISABLED');
    });

    it('answers NOT_FOUND for an unknown id', async () => {
      const res = await stack.client.query(admin(), SET_ENABLED, { id: 'nope', enabled: true });
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });
  });

  describe('deleteAction', () => {
    it('removes the action from the list and frees its stored files', async () => {
      const content = FILES.pdf(98765);
      const staged = (await uploadFile(stack.client, admin(), { name: 'only-here.pdf', content })).data!.uploadAttachment.id;
      const action = (await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: [staged] })).data!
        .saveSendAttachmentAction;
      const blobs = (await stack.storedFiles()).length;
      expect((await stack.client.query(admin(), DELETE, { id: action.id })).data!.deleteAction).toBe(true);
      const list = await stack.client.query(admin(), ACTIONS, { agentId: acme.agentId });
      expect(list.data!.actions.map((a: { id: string }) => a.id)).not.toContain(action.id);
      expect((await stack.storedFiles()).length).toBe(blobs - 1);
      const again = await stack.client.query(admin(), DELETE, { id: action.id });
      expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });

    it('keeps stored bytes another action still uses', async () => {
      const content = FILES.pdf(55555);
      const a = (await uploadFile(stack.client, admin(), { name: 'shared.pdf', content })).data!.uploadAttachment.id;
      const b = (await uploadFile(stack.client, admin(), { name: 'shared-copy.pdf', content })).data!.uploadAttachment.id;
      const first = (await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: [a] })).data!
        .saveSendAttachmentAction;
      await saveAction(stack.client, admin(), { agentId: acme.agentId, attachmentIds: [b] });
      const blobs = (await stack.storedFiles()).length;
      await stack.client.query(admin(), DELETE, { id: first.id });
      expect((await stack.storedFiles()).length).toBe(blobs);
    });
  });
});
