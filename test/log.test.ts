import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type LogDestination } from '../server/src/infra/log/logger.js';
import { FILES } from './support/files.js';
import { addRoom } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createTrainedAction } from './support/factories.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface LogLine {
  level: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}

/** Collects what a logger writes, one parsed JSON object per line. */
class CapturedLog implements LogDestination {
  text = '';
  write(line: string) {
    this.text += line;
  }
  lines(): LogLine[] {
    return this.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }
}

/** A process that logs one entry per level through createLogger at `level`. */
function logAtLevel(level: string) {
  const script = `import { createLogger } from './server/src/infra/log/logger.js';
    const log = createLogger(process.argv[1], { service: 'probe' });
    for (const l of ['debug', 'info', 'warn', 'error']) log[l]('probe.' + l, { n: 1 });`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, level], {
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'server/tsconfig.json' },
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return { stdout: run.stdout, lines: run.stderr.split('\n').filter(Boolean).map((l): LogLine => JSON.parse(l)) };
}

describe('the log', () => {
  it('writes one JSON line per entry on stderr, from LOG_LEVEL up, and nothing at silent', () => {
    const warn = logAtLevel('warn');
    expect(warn.stdout).toBe('');
    expect(warn.lines.map((l) => [l.level, l.msg, l.service, l.n])).toEqual([
      ['warn', 'probe.warn', 'probe', 1],
      ['error', 'probe.error', 'probe', 1],
    ]);
    expect(new Date(warn.lines[0]!.time).toISOString()).toBe(warn.lines[0]!.time);
    expect(logAtLevel('debug').lines.map((l) => l.level)).toEqual(['debug', 'info', 'warn', 'error']);
    expect(logAtLevel('silent').lines).toEqual([]);
  });

  it('redacts tokens, captions and SQL parameters at any depth of a logged object', () => {
    const out = new CapturedLog();
    createLogger('info', {}, out).info('probe', {
      token: 'secret-1',
      request: { headers: { authorization: 'Bearer secret-2', accept: 'text/csv' } },
      account: { chatServiceToken: 'secret-3', name: 'Acme' },
      send: { files: [{ caption: 'secret-4' }], message: { text: 'secret-5' } },
      query: { a: { b: { params: ['secret-6'], parameters: ['secret-7'], values: ['secret-8'] } } },
    });
    expect(out.text).not.toMatch(/secret-/);
    const [line] = out.lines();
    expect(line).toMatchObject({
      token: '[redacted]',
      request: { headers: { authorization: '[redacted]', accept: 'text/csv' } },
      account: { chatServiceToken: '[redacted]', name: 'Acme' },
      send: { files: [{ caption: '[redacted]' }], message: { text: '[redacted]' } },
      query: { a: { b: { params: '[redacted]', parameters: '[redacted]', values: '[redacted]' } } },
    });
  });

  describe('an internal error on a real request', () => {
    const log = new CapturedLog();
    let stack: TestStack;
    let account: TestAccount;
    let actionId: string;
    let room: string;

    beforeAll(async () => {
      stack = await startTestStack({ WORKER_CONCURRENCY: '0', LOG_LEVEL: 'debug' }, { logDestination: log });
      account = await stack.createAccount();
      actionId = (await createTrainedAction(stack, account, { files: [{ name: 'price-list.pdf', content: FILES.pdf(2048) }] })).id;
      room = await addRoom(stack, account, 'whatsapp');
      // A real Postgres failure inside invokeSendAttachment: the send row (with the caption and
      // the idempotency key among its parameters) cannot be inserted.
      await stack.sql`alter table sends add constraint sends_no_caption_in_this_test check (caption is null)`;
    });
    afterAll(() => stack?.stop());

    it('logs the failed query but no token, caption or parameter', async () => {
      const caption = 'Caption meant for the customer only 7f3a';
      const idempotencyKey = 'idempotency-param-9c1e';
      const res = await stack.client.query(
        account.tokens.AI_SERVICE,
        `mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { status } }`,
        { i: { actionId, conversationId: room, caption, idempotencyKey } },
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');

      const logged = log.lines().find((l) => l.msg === 'graphql.internal_error');
      expect(logged?.requestId).toEqual(expect.any(String));
      expect(logged?.error).toMatchObject({
        name: 'DrizzleQueryError',
        query: expect.stringMatching(/insert into sends \(/),
        cause: { name: 'PostgresError', constraint: 'sends_no_caption_in_this_test' },
      });
      // The account's ChatService token in clear, and as stored (sealed): neither may be logged.
      const [{ sealed }] = await stack.sql`select chat_service_token_sealed as sealed from accounts where id = ${account.accountId}`;
      expect(sealed).toMatch(/^v1\./);
      for (const secret of [caption, idempotencyKey, account.chatServiceToken, sealed, ...Object.values(account.tokens)]) {
        expect(log.text).not.toContain(secret);
      }
    });
  });
});
