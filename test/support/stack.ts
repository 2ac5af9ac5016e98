import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { spawnSimulator, type SimulatorProcess } from '../../simulator/src/process.js';
import { Role, SEND_ATTACHMENT_FLAG } from '../../server/src/accounts/roles.js';
import { loadConfig, type Config } from '../../server/src/infra/config/config.js';
import type { LookupFunction } from '../../server/src/infra/http/outbound-guard.js';
import { createLogger, type LogDestination } from '../../server/src/infra/log/logger.js';
import { startServer, type RunningServer } from '../../server/src/server.js';
import { withDatabase } from './global-setup.js';
import { GraphQLClient } from './graphql-client.js';
import { createTestStorage, TEST_STORAGE, type StorageKind, type TestStorage } from './storage.js';

export interface TestAccount {
  accountId: string;
  agentId: string;
  tokens: Record<Role, string>;
  /** The account's ChatService token (stored sealed), for registering simulator rooms. */
  chatServiceToken: string;
  /** Set in the open API's mode: the organization the account's rooms carry. */
  chatServiceOrg: string | null;
}

export interface TestStack {
  server: RunningServer;
  /** The ChatService simulator, its own process (`url` is its root, for `/__sim`). */
  simulator: SimulatorProcess;
  config: Readonly<Config>;
  databaseUrl: string;
  dataDir: string;
  /** A direct connection, for assertions on rows. */
  sql: postgres.Sql;
  client: GraphQLClient;
  /** A new account with an agent and a token per role; the flag on unless `flag: false`. */
  createAccount(options?: { flag?: boolean }): Promise<TestAccount>;
  /** The server's file store, seen from outside: DATA_DIR/files or the stack's own bucket. */
  storage: TestStorage;
  /** Every stored object's key (content blobs and staged uploads), in either store. */
  storedFiles(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Clones the template database into a fresh one for one test file. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database ${name} template ${inject('templateDatabase')}`);
  await sql.end();
  return withDatabase(adminUrl, name);
}

/**
 * The real server on a free port, over its own database and DATA_DIR, storing files in
 * `storage` (by default the run's: TEST_STORAGE), and the ChatService simulator as its own
 * process, playing the API that CHAT_SERVICE_API in `env` names. The server's log goes to
 * stderr unless `logDestination` takes it (a test that reads the log lines). `webhookLookup`
 * is the resolver the webhook address guard checks (a test that makes names resolve anywhere).
 */
export async function startTestStack(
  env: Record<string, string> = {},
  { logDestination, storage: kind, webhookLookup }: { logDestination?: LogDestination; storage?: StorageKind; webhookLookup?: LookupFunction } = {},
): Promise<TestStack> {
  const databaseUrl = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-test-data-'));
  const storage = await createTestStorage(kind ?? TEST_STORAGE, dataDir);
  // No cron in tests: a test that needs a scheduled job runs it (its schedule is still registered).
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', SCHEDULED_JOBS: 'off', ...storage.env, ...env });
  const log = createLogger(config.logLevel, { service: 'test-server' }, logDestination);
  const simulator = await spawnSimulator({ port: 0, mode: config.chatServiceApi, logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const server = await startServer({ config, databaseUrl, log, port: 0, chatServiceUrl: config.chatServiceUrl ?? simulator.url, webhookLookup });
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const { accounts, agents } = server.services;

  return {
    server,
    simulator,
    config,
    databaseUrl,
    dataDir,
    sql,
    client: new GraphQLClient(`${server.url}/graphql`),
    async createAccount(options = {}) {
      const chatServiceToken = `cs_${crypto.randomBytes(18).toString('base64url')}`;
      const chatServiceOrg = config.chatServiceApi === 'open' ? `org_${crypto.randomBytes(4).toString('hex')}` : null;
      const account = await accounts.createAccount(`Account ${crypto.randomBytes(3).toString('hex')}`, {
        token: chatServiceToken,
        organizationId: chatServiceOrg,
      });
      if (options.flag !== false) await accounts.setFeatureFlag(account.id, SEND_ATTACHMENT_FLAG, true);
      const agent = await agents.create(account.id, 'Support Agent');
      const tokens = {} as Record<Role, string>;
      for (const role of Object.values(Role)) tokens[role] = await accounts.createToken(account.id, role);
      return { accountId: account.id, agentId: agent.id, tokens, chatServiceToken, chatServiceOrg };
    },
    storage,
    storedFiles: () => storage.keys(),
    async stop() {
      await sql.end({ timeout: 1 });
      await server.stop();
      await simulator.stop();
      await storage.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
