import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/src/infra/config/config.js';
import { createLogger } from '../server/src/infra/log/logger.js';
import { startServer } from '../server/src/server.js';
import { FILES } from './support/files.js';
import { addRoom, getSend, invoke, simulatorOf, waitForFinalSend, type SimulatorControl } from './support/sends.js';
import { createTestDatabase, startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createTrainedAction } from './support/factories.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SET = `mutation($a: ID!, $t: String, $o: String) {
  setChatServiceSettings(accountId: $a, token: $t, organizationId: $o) { accountId tokenSet organizationId }
}`;

/** `pnpm ops …` as an operator runs it, on the stack's database and DATA_DIR. */
function ops(stack: TestStack, args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli/ops.ts', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: 'server/tsconfig.json',
        DATABASE_URL: stack.databaseUrl,
        DATA_DIR: stack.dataDir,
        CHAT_SERVICE_URL: stack.server.chatServiceUrl,
        LOG_LEVEL: 'info',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.stdin.end(options.stdin ?? '');
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe("an account's ChatService settings, against the published open API", () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let account: TestAccount;
  let actionId: string;

  beforeAll(async () => {
    stack = await startTestStack({ CHAT_SERVICE_API: 'open', WORKER_POLL_MS: '100' });
    sim = simulatorOf(stack);
    account = await stack.createAccount();
    actionId = (await createTrainedAction(stack, account, { files: [{ name: 'price-list.pdf', content: FILES.pdf(3000) }] })).id;
  });
  afterAll(() => stack?.stop());

  it('delivers through the open API: rooms carry organization_id and the code "wa"', async () => {
    expect(stack.server.chatServiceUrl).toBe(`${stack.simulator.url}/api/open`);
    const room = await addRoom(stack, account, 'whatsapp');
    const receipt = await invoke(stack, account, { actionId, conversationId: room });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send).toMatchObject({ status: 'SENT', channel: 'whatsapp' });
    expect((await sim.inbox(room)).map((m) => m.fileName)).toEqual(['price-list.pdf']);
  });

  it("refuses a room of another organization with NOT_FOUND, even when ChatService shows it to the token", async () => {
    // The same token registered for another organization's room: only organization_id tells them apart.
    const foreign = await sim.addRoom('org-of-someone-else', 'whatsapp', account.chatServiceToken);
    expect((await invoke(stack, account, { actionId, conversationId: foreign })).reason).toBe('NOT_FOUND');
    expect(await sim.calls(foreign)).toBe(0);
  });

  it('stores the token sealed, never returns it, and lets OPS rotate it', async () => {
    const other = await stack.createAccount();
    const pdf = (await createTrainedAction(stack, other, { files: [{ name: 'p.pdf', content: FILES.pdf(3100) }] })).id;
    // ChatService issued the organization a new token: the one the account holds is now refused (401).
    const rotated = `cs_${crypto.randomBytes(12).toString('hex')}`;
    const room = await sim.addRoom(other.chatServiceOrg!, 'whatsapp', rotated);
    const refused = await invoke(stack, other, { actionId: pdf, conversationId: room, idempotencyKey: 'before' });
    expect(refused).toMatchObject({ status: 'FAILED', reason: 'credentials' });
    expect((await getSend(stack, other, refused.sendId!)).reasonDetail).toContain('HTTP 401');

    const res = await stack.client.query(account.tokens.OPS, SET, { a: other.accountId, t: rotated });
    expect(res.errors).toBeUndefined();
    expect(res.data.setChatServiceSettings).toEqual({ accountId: other.accountId, tokenSet: true, organizationId: other.chatServiceOrg });
    const [row] = await stack.sql<{ sealed: string }[]>`select chat_service_token_sealed as sealed from accounts where id = ${other.accountId}`;
    expect(row!.sealed).toMatch(/^v1\./);
    expect(row!.sealed).not.toContain(rotated);

    const receipt = await invoke(stack, other, { actionId: pdf, conversationId: room, idempotencyKey: 'after' });
    expect((await waitForFinalSend(stack, other, receipt.sendId!)).status).toBe('SENT');
  });

  it('changes or clears the organization id alone, and refuses input a builder would get wrong', async () => {
    const other = await stack.createAccount();
    const set = (vars: Record<string, unknown>) => stack.client.query(account.tokens.OPS, SET, { a: other.accountId, ...vars });
    expect((await set({ o: 'org-new' })).data.setChatServiceSettings).toEqual({ accountId: other.accountId, tokenSet: true, organizationId: 'org-new' });
    expect((await set({ o: '' })).data.setChatServiceSettings.organizationId).toBeNull();
    const spaced = await set({ t: 'two words' });
    expect(spaced.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token', reason: 'INVALID_VALUE' });
    expect(spaced.errors?.[0]?.message).toContain('visible ASCII characters without spaces');
    expect((await set({})).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
    const unknown = await stack.client.query(account.tokens.OPS, SET, { a: crypto.randomUUID(), t: 'tok' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const admin = await stack.client.query(other.tokens.ADMIN, SET, { a: other.accountId, t: 'tok' });
    expect(admin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  // Each command is a fresh process (tsx, migrations, the queue): seconds on a quiet machine,
  // much longer on a loaded one, so these get room beyond the default test timeout.
  describe('pnpm ops', { timeout: 240_000 }, () => {
    it('creates an account with its ChatService token read from stdin, printing only the id', async () => {
      const token = `cs_${crypto.randomBytes(12).toString('hex')}`;
      const created = await ops(stack, ['account:create', 'Cli Co', '--chat-service-token', '-', '--chat-service-org', 'org-cli'], { stdin: `${token}\n` });
      expect(created.stderr).not.toContain(token);
      expect(created.code).toBe(0);
      const id = created.stdout.trim();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const [row] = await stack.sql<{ sealed: string; org: string }[]>`
        select chat_service_token_sealed as sealed, chat_service_org as org from accounts where id = ${id}`;
      expect(row).toMatchObject({ org: 'org-cli' });
      expect(row!.sealed).not.toContain(token);

      const changed = await ops(stack, ['account:set-chat-service', '--account', id, '--chat-service-token', 'cs_other', '--chat-service-org', '']);
      expect(changed).toMatchObject({ code: 0, stdout: `account ${id}: ChatService token set, organization not set\n` });
      expect(changed.stdout + changed.stderr).not.toContain('cs_other');
    });

    it('stops with a message naming both keys when started with another SECRETS_KEY', async () => {
      const other = crypto.randomBytes(32).toString('base64');
      const result = await ops(stack, ['account:create', 'Wrong Key Co'], { env: { SECRETS_KEY: other } });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/ChatService tokens in the database were sealed with key [0-9a-f]{12}, but this process has key [0-9a-f]{12}/);
      expect(result.stderr).toContain('SECRETS_KEY_PREVIOUS');
    });

    it('rotates the key: secrets:rotate re-seals every token, after which only the new key is needed', async () => {
      const oldKey = fs.readFileSync(path.join(stack.dataDir, 'secrets.key'), 'utf8').trim();
      const newKey = crypto.randomBytes(32).toString('base64');
      // A webhook endpoint's signing secret is sealed with the same key, and re-sealed with the tokens.
      const endpoint = await stack.client.query(account.tokens.ADMIN, 'mutation { createWebhookEndpoint(input: { url: "https://hooks.example.com/in", events: ["ai_agent_attachment_sent"] }) { endpoint { id } } }');
      expect(endpoint.errors).toBeUndefined();
      const rotated = await ops(stack, ['secrets:rotate'], { env: { SECRETS_KEY: newKey, SECRETS_KEY_PREVIOUS: oldKey } });
      expect(rotated.code).toBe(0);
      const [{ count }] = await stack.sql<{ count: number }[]>`select count(*)::int as count from accounts where chat_service_token_sealed is not null`;
      expect(rotated.stdout).toMatch(new RegExp(`^${count} ChatService token\\(s\\) and 1 webhook secret\\(s\\) re-sealed with key [0-9a-f]{12}\\n$`));
      const again = await ops(stack, ['secrets:rotate'], { env: { SECRETS_KEY: newKey } });
      expect(again.stdout).toMatch(/^0 ChatService token\(s\) and 0 webhook secret\(s\) re-sealed/);
      // The server, still on the old key, now fails to open tokens: it would at its next start-up too.
      const restarted = startServer({
        config: loadConfig({ DATA_DIR: stack.dataDir, LOG_LEVEL: 'silent' }),
        databaseUrl: stack.databaseUrl,
        log: createLogger('silent'),
        port: 0,
        chatServiceUrl: stack.simulator.url,
      });
      await expect(restarted).rejects.toThrow(/sealed with key/);
    });
  });
});

describe('start-up without a usable key', () => {
  it('refuses to start on an external database when neither SECRETS_KEY nor a key file exists', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-no-key-'));
    try {
      const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: await createTestDatabase(), LOG_LEVEL: 'silent' });
      await expect(
        startServer({ config, databaseUrl: config.databaseUrl!, log: createLogger('silent'), port: 0, chatServiceUrl: 'http://127.0.0.1:9' }),
      ).rejects.toThrow(/SECRETS_KEY is not set .* does not exist/);
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
