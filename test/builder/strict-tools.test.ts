import { Ajv } from 'ajv';
import { toStrictJsonSchema } from 'openai/lib/transform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { saveAction, TOOLS, TRAIN } from '../support/operations.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

interface Tool {
  type: string;
  function: { name: string; description: string; strict: boolean; parameters: Record<string, unknown> };
}

/**
 * Every served tool shape (AI caption, manual caption) is valid for OpenAI's strict mode:
 * the `openai` package's own strict-schema conversion accepts it unchanged, and a JSON Schema
 * validator (ajv, strict) agrees with what the model may and may not send.
 */
describe('agentTools in strict mode', () => {
  let stack: TestStack;
  let account: TestAccount;
  let tools: Tool[];
  let aiTool: Tool;
  let manualTool: Tool;
  const ajv = new Ajv({ strict: true, allErrors: true });

  const create = async (input: Record<string, unknown>) => {
    const res = await saveAction(stack.client, account.tokens.ADMIN, { agentId: account.agentId, ...input }, [
      { name: 'brochure.pdf', content: FILES.pdf(1500) },
    ]);
    expect(res.errors).toBeUndefined();
    return res.data!.saveSendAttachmentAction as { id: string; toolName: string };
  };

  beforeAll(async () => {
    stack = await startTestStack({ WORKER_CONCURRENCY: '0' });
    account = await stack.createAccount();
    // The longest trigger a builder may write: the description stays within OpenAI's limit.
    const ai = await create({ name: 'Brochure', trigger: 'b'.repeat(1024), contentMode: 'AI' });
    const manual = await create({ name: 'Prices', trigger: 'When asked for prices.', contentMode: 'MANUAL', contentMessage: 'Our prices' });
    expect((await stack.client.query(account.tokens.ADMIN, TRAIN, { agentId: account.agentId })).errors).toBeUndefined();
    tools = (await stack.client.query(account.tokens.AI_SERVICE, TOOLS, { agentId: account.agentId })).data!.agentTools.tools as Tool[];
    aiTool = tools.find((t) => t.function.name === ai.toolName)!;
    manualTool = tools.find((t) => t.function.name === manual.toolName)!;
  });
  afterAll(() => stack?.stop());

  it('serves both shapes with strict: true, names and descriptions within OpenAI limits', () => {
    expect(aiTool).toBeDefined();
    expect(manualTool).toBeDefined();
    for (const tool of tools) {
      expect(tool.type).toBe('function');
      expect(tool.function.strict).toBe(true);
      expect(tool.function.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(tool.function.description.length).toBeGreaterThan(0);
      expect(tool.function.description.length).toBeLessThanOrEqual(1024);
    }
  });

  it("passes the openai package's strict-schema conversion unchanged", () => {
    for (const tool of tools) {
      expect(() => toStrictJsonSchema(tool.function.parameters as never)).not.toThrow();
      expect(toStrictJsonSchema(tool.function.parameters as never)).toEqual(tool.function.parameters);
    }
  });

  it('the conversion refuses the shape served before (caption optional, not nullable), so the check can fail', () => {
    const before = { type: 'object', properties: { caption: { type: 'string' } }, required: [], additionalProperties: false };
    expect(() => toStrictJsonSchema(before as never)).toThrow(/optional/);
  });

  it('AI caption: caption is required and may be a string or null, nothing else', () => {
    expect(ajv.validateSchema(aiTool.function.parameters)).toBe(true);
    const validate = ajv.compile(aiTool.function.parameters);
    expect(validate({ caption: 'Here is our brochure.' })).toBe(true);
    expect(validate({ caption: null })).toBe(true);
    expect(validate({})).toBe(false);
    expect(validate({ caption: 3 })).toBe(false);
    expect(validate({ caption: 'x', fileUrl: 'https://example.com/a.pdf' })).toBe(false);
  });

  it('manual caption: no arguments at all', () => {
    expect(ajv.validateSchema(manualTool.function.parameters)).toBe(true);
    const validate = ajv.compile(manualTool.function.parameters);
    expect(validate({})).toBe(true);
    expect(validate({ caption: 'x' })).toBe(false);
  });

  it('serves a tool set trained before strict mode in the strict shape, without retraining', async () => {
    const other = await stack.createAccount();
    const action = await (async () => {
      const res = await saveAction(stack.client, other.tokens.ADMIN, { agentId: other.agentId, contentMode: 'AI' }, [
        { name: 'a.pdf', content: FILES.pdf(1600) },
      ]);
      return res.data!.saveSendAttachmentAction as { id: string; toolName: string };
    })();
    await stack.client.query(other.tokens.ADMIN, TRAIN, { agentId: other.agentId });
    const legacy = {
      type: 'function',
      function: {
        name: action.toolName,
        description: 'When the customer asks for prices.',
        parameters: { type: 'object', properties: { caption: { type: 'string', description: 'old' } }, required: [], additionalProperties: false },
      },
    };
    await stack.sql`update agent_toolsets set tools = ${stack.sql.json([legacy])} where agent_id = ${other.agentId}`;
    const [served] = (await stack.client.query(other.tokens.AI_SERVICE, TOOLS, { agentId: other.agentId })).data!.agentTools.tools as Tool[];
    expect(served!.function).toMatchObject({ name: action.toolName, description: 'When the customer asks for prices.', strict: true });
    expect(toStrictJsonSchema(served!.function.parameters as never)).toEqual(served!.function.parameters);
    expect(served!.function.parameters).toMatchObject({ required: ['caption'], properties: { caption: { type: ['string', 'null'] } } });
  });
});
