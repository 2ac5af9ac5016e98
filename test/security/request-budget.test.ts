import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/infra/log/logger.js';
import { startServer, type RunningServer } from '../../server/src/server.js';
import { FILES } from '../support/files.js';
import { GraphQLClient, type GraphQLResponse } from '../support/graphql-client.js';
import { uploadFile } from '../support/operations.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const POINTS = 30;
const ENV = { RATE_LIMIT_CONSOLE_POINTS: String(POINTS), RATE_LIMIT_AI_SERVICE_POINTS: String(POINTS), RATE_LIMIT_WINDOW_SECONDS: '60' };
const ME = '{ me { role } }';
const STATS = 'sendStats(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", bucket: HOUR) { sent failed successRate }';

/** Sends `query` until it is refused; returns how many were served and the refusal. */
async function spend(client: GraphQLClient, token: string, query = ME, limit = 200) {
  for (let served = 0; served < limit; served++) {
    const res = await client.query(token, query);
    if (res.errors) return { served, refusal: res };
  }
  throw new Error(`still served after ${limit} requests`);
}

function expectRateLimited(res: GraphQLResponse, budget: string) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.errors![0]!.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: retryAfter, budget });
  expect(res.errors![0]!.message).toMatch(/retry in \d+ s/);
}

describe('per-account request budgets', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(ENV);
  });
  afterAll(() => stack?.stop());

  it("answers 429 with Retry-After and RATE_LIMITED once a reader spends the console budget; the AI service's budget and other accounts are untouched", async () => {
    const acme = await stack.createAccount();
    const globex = await stack.createAccount();
    const { served, refusal } = await spend(stack.client, acme.tokens.VIEWER);
    expect(served).toBe(POINTS);
    expectRateLimited(refusal, 'console');
    // The same budget for every console role of the account…
    expectRateLimited(await stack.client.query(acme.tokens.ADMIN, ME), 'console');
    // …but not for its AI service, nor for another account.
    expect((await stack.client.query(acme.tokens.AI_SERVICE, ME)).errors).toBeUndefined();
    expect((await stack.client.query(globex.tokens.VIEWER, ME)).errors).toBeUndefined();
  });

  it("refuses the AI service's invoke once its own budget is spent, while the builders go on", async () => {
    const acme = await stack.createAccount();
    const { served, refusal } = await spend(stack.client, acme.tokens.AI_SERVICE);
    expect(served).toBe(POINTS);
    expectRateLimited(refusal, 'ai_service');
    const invoke = await stack.client.query(
      acme.tokens.AI_SERVICE,
      'mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { status } }',
      { i: { actionId: crypto.randomUUID(), conversationId: 'room-1' } },
    );
    expectRateLimited(invoke, 'ai_service');
    expect((await stack.client.query(acme.tokens.ADMIN, ME)).errors).toBeUndefined();
  });

  it('charges an operation its cost: a sendStats takes 11 points, so the third is refused', async () => {
    const acme = await stack.createAccount();
    const { served, refusal } = await spend(stack.client, acme.tokens.VIEWER, `{ ${STATS} }`);
    // 1 point on arrival plus floor(cost 203 / 20) = 10: 11, 22, then 33 > 30.
    expect(served).toBe(2);
    expectRateLimited(refusal, 'console');
  });

  it('refuses an upload and the CSV export of a spent budget before reading them', async () => {
    const acme = await stack.createAccount();
    await spend(stack.client, acme.tokens.ADMIN);
    const upload = await uploadFile(stack.client, acme.tokens.ADMIN, { name: 'a.pdf', content: FILES.pdf(5000) });
    expectRateLimited(upload, 'console');
    const csv = await fetch(`${stack.server.url}/exports/sends.csv`, { headers: { authorization: `Bearer ${acme.tokens.ADMIN}` } });
    expect(csv.status).toBe(429);
    expect(csv.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await csv.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions.code).toBe('RATE_LIMITED');
  });

  describe('with a second server on the same database', () => {
    let second: RunningServer;
    let client: GraphQLClient;
    let account: TestAccount;

    beforeAll(async () => {
      second = await startServer({ config: stack.config, databaseUrl: stack.databaseUrl, log: createLogger('silent'), port: 0, chatServiceUrl: stack.simulator.url });
      client = new GraphQLClient(`${second.url}/graphql`);
      account = await stack.createAccount();
    });
    afterAll(() => second?.stop());

    it('shares one budget: what one server spent, the other refuses', async () => {
      const half = POINTS / 2;
      for (let i = 0; i < half; i++) expect((await stack.client.query(account.tokens.VIEWER, ME)).errors).toBeUndefined();
      const { served, refusal } = await spend(client, account.tokens.VIEWER);
      expect(served).toBe(POINTS - half);
      expectRateLimited(refusal, 'console');
    });
  });
});
