import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRoom, simulatorOf } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `pnpm example:ai` as a user runs it: the openai SDK's tool runner against the example's
 * scripted model, driving the real server; the file lands in the simulator's room.
 */
describe('examples/ai-service.ts', () => {
  let stack: TestStack;
  let account: TestAccount;

  beforeAll(async () => {
    stack = await startTestStack({ WORKER_POLL_MS: '100' });
    account = await stack.createAccount();
  });
  afterAll(() => stack?.stop());

  it('adds and trains an action, runs the tool loop with waitMs, and the model tells the customer it was sent', async () => {
    const room = await addRoom(stack, account, 'whatsapp');
    // The example's own scripted model, whatever this machine's environment says.
    const inherited = { ...process.env };
    delete inherited.OPENAI_BASE_URL;
    delete inherited.OPENAI_API_KEY;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/ai-service.ts'], {
      cwd: ROOT,
      env: {
        ...inherited,
        GRAPHQL_URL: `${stack.server.url}/graphql`,
        AI_SERVICE_TOKEN: account.tokens.AI_SERVICE,
        ADMIN_TOKEN: account.tokens.ADMIN,
        AGENT_ID: account.agentId,
        CONVERSATION_ID: room,
        DATA_DIR: stack.dataDir,
      },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/Model calls qontak_send_attachment_[0-9a-f]{32}\(\{"caption":"Here is our latest price list 📄"\}\)/);
    expect(stdout).toMatch(/Tool result: \{"sendId":"[0-9a-f-]{36}","status":"SENT","reason":null,"message":"[^"]+","retryable":false,"deduplicated":false\}/);
    expect(stdout).toContain('Agent: "I have sent you our price list; it is in this chat now."');
    const inbox = await simulatorOf(stack).inbox(room);
    expect(inbox.map((m) => m.fileName)).toEqual(['price-list.pdf']);
  }, 90_000);
});
