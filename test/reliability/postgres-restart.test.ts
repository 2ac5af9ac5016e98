import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role, SEND_ATTACHMENT_FLAG } from '../../server/src/accounts/roles.js';
import { loadConfig } from '../../server/src/infra/config/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../server/src/infra/db/embedded.js';
import { createLogger } from '../../server/src/infra/log/logger.js';
import { startServer, type RunningServer } from '../../server/src/server.js';
import { spawnSimulator, type SimulatorProcess } from '../../simulator/src/process.js';
import { FILES } from '../support/files.js';
import { GraphQLClient } from '../support/graphql-client.js';
import { addRoom, invoke, waitFor, type Receipt } from '../support/sends.js';
import type { TestAccount, TestStack } from '../support/stack.js';
import { record } from './support/ledger.js';
import { createTrainedAction } from '../support/factories.js';

const LOAD_MS_BEFORE = 2500;
const LOAD_MS_AFTER = 4000;
const CLIENTS = 8;

/**
 * Postgres stopped and started again (same data directory and port) while invokes pour in and
 * the in-process worker delivers. The server must reconnect by itself, and every invoke that
 * was answered QUEUED must end SENT: an answer is only given after the commit.
 * Its own embedded cluster, durable (fsync on), since the shared test cluster cannot restart.
 */
describe('reliability: Postgres restarted under load', () => {
  const log = createLogger('silent');
  let dir: string;
  let pg: EmbeddedDatabase;
  let server: RunningServer;
  let simulator: SimulatorProcess;
  let sql: postgres.Sql;
  let stack: TestStack;
  let account: TestAccount;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-rel-pg-'));
    fs.chmodSync(dir, 0o755);
    pg = await startEmbeddedPostgres(path.join(dir, 'postgres'), log, { persistent: true, durable: true });
    const config = loadConfig({
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      WORKER_POLL_MS: '200',
      SEND_JOB_HEARTBEAT_SECONDS: '10',
      QUEUE_MAINTENANCE_SECONDS: '1',
      SEND_RETRY_DELAY_SECONDS: '1',
    });
    simulator = await spawnSimulator({ port: 0, logLevel: 'silent' });
    server = await startServer({ config, databaseUrl: pg.url, log: createLogger(config.logLevel), port: 0, chatServiceUrl: simulator.url });
    sql = postgres(pg.url, { max: 2, onnotice: () => {} });
    const { accounts, agents } = server.services;
    const chatServiceToken = 'cs_restart_co';
    const created = await accounts.createAccount('Restart Co', { token: chatServiceToken });
    await accounts.setFeatureFlag(created.id, SEND_ATTACHMENT_FLAG, true);
    const agent = await agents.create(created.id, 'Agent');
    const tokens = {} as Record<Role, string>;
    for (const role of Object.values(Role)) tokens[role] = await accounts.createToken(created.id, role);
    account = { accountId: created.id, agentId: agent.id, tokens, chatServiceToken, chatServiceOrg: null };
    stack = { server, simulator, sql, client: new GraphQLClient(`${server.url}/graphql`) } as unknown as TestStack;
  });
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await server?.stop();
    await simulator?.stop();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects by itself and loses no accepted invoke', async () => {
    const action = await createTrainedAction(stack, account, { files: [{ name: 'brochure.pdf', content: FILES.pdf(4000) }] });
    const room = await addRoom(stack, account, 'whatsapp');

    const accepted: string[] = [];
    let requests = 0;
    let refused = 0;
    let stop = false;
    let n = 0;
    const load = Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (!stop) {
          requests++;
          try {
            const receipt: Receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `restart-${n++}` });
            if (receipt.status === 'QUEUED') accepted.push(receipt.sendId!);
          } catch {
            // Refused while the database was away: not accepted, so nothing is owed.
            refused++;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }),
    );

    await new Promise((r) => setTimeout(r, LOAD_MS_BEFORE));
    const acceptedBefore = accepted.length;
    await pg.stop();
    await new Promise((r) => setTimeout(r, 1000));
    pg = await startEmbeddedPostgres(path.join(dir, 'postgres'), log, { persistent: true, durable: true });
    const restartedAt = accepted.length;
    await new Promise((r) => setTimeout(r, LOAD_MS_AFTER));
    stop = true;
    await load;
    const acceptedAfter = accepted.length - restartedAt;

    // The server answers again (a fresh invoke is accepted) and reports healthy.
    const fresh = await waitFor(
      async () => {
        const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: `after-restart` }).catch(() => undefined);
        return receipt?.status === 'QUEUED' ? receipt : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'an invoke to be accepted after the restart' },
    );
    accepted.push(fresh.sendId!);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await waitFor(
      async () => {
        const [row] = await sql`select count(*)::int as n from sends where id = any(${accepted}::uuid[]) and status = 'SENT'`;
        return row!.n === accepted.length ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `${accepted.length} accepted sends to be SENT` },
    ).catch(() => undefined);
    const [rows] = await sql`select count(*)::int as n from sends where id = any(${accepted}::uuid[])`;
    const notSent = await sql`select id, status, reason from sends where id = any(${accepted}::uuid[]) and status <> 'SENT'`;
    const lost = accepted.length - rows!.n + notSent.length;
    record({ test: 'Postgres restart', faults: 1, requests: requests + 1, lost });
    console.log(
      `Postgres restart: ${requests} invokes (${acceptedBefore} accepted before the stop, ${acceptedAfter} after the start, ` +
        `${refused} refused meanwhile), ${notSent.length} accepted not SENT, ${accepted.length - rows!.n} missing rows`,
    );

    expect(acceptedBefore).toBeGreaterThan(0);
    expect(acceptedAfter).toBeGreaterThan(0);
    expect(rows!.n).toBe(accepted.length);
    expect(notSent, JSON.stringify(notSent.slice(0, 5))).toHaveLength(0);
  }, 180_000);
});
