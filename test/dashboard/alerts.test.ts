import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../server/src/infra/queue/queue.js';
import { FILES } from '../support/files.js';
import { saveAction, uploadFile } from '../support/operations.js';
import { insertSends } from '../support/generated-sends.js';
import { waitFor } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const ALERTS = '{ alerts { accountId rule firing value since } }';
const HISTORY = '{ alertHistory(first: 50) { accountId rule kind value deliveredAt } }';
const MIN = 60_000;

/** A webhook receiver that answers 500 to the first `failFirst` posts of each alert event. */
function webhookReceiver(failFirst: number) {
  const received: { body: { text: string; alert: { id: string; accountId: string; rule: string } }; status: number }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body);
      const earlier = received.filter((r) => r.body.alert.id === parsed.alert.id).length;
      const status = earlier < failFirst ? 500 : 200;
      received.push({ body: parsed, status });
      res.statusCode = status;
      res.end();
    });
  });
  return {
    received,
    start: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`))),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('alerts', () => {
  let stack: TestStack;
  const hook = webhookReceiver(2);

  beforeAll(async () => {
    const url = await hook.start();
    stack = await startTestStack({ ALERT_WEBHOOK_URL: url, ALERT_MIN_SENDS: '10', ALERT_WEBHOOK_RETRY_DELAY_SECONDS: '1' });
  });
  afterAll(async () => {
    await stack?.stop();
    await hook.stop();
  });

  /** A new account with one action, and a way to add finished sends minutes ago. */
  const account = async () => {
    const acc = await stack.createAccount();
    const staged = (await uploadFile(stack.client, acc.tokens.ADMIN, { name: 'f.pdf', content: FILES.pdf(888) })).data.uploadAttachment.id;
    const actionId = (await saveAction(stack.client, acc.tokens.ADMIN, { agentId: acc.agentId, attachmentIds: [staged] })).data
      .saveSendAttachmentAction.id;
    const add = (status: 'SENT' | 'FAILED', count: number, minutesAgo: number, reason: string | null = null) =>
      insertSends(stack.sql, {
        accountId: acc.accountId, agentId: acc.agentId, actionId, channel: 'whatsapp', status,
        reason: status === 'FAILED' ? (reason ?? '5xx') : null, at: new Date(Date.now() - minutesAgo * MIN), count,
      });
    return { acc, add };
  };
  const stateOf = async (acc: TestAccount, rule: string) =>
    (await stack.client.query(acc.tokens.VIEWER, ALERTS)).data.alerts.find((a: { rule: string }) => a.rule === rule);
  const eventsOf = async (acc: TestAccount, rule: string) =>
    (await stack.client.query(acc.tokens.VIEWER, HISTORY)).data.alertHistory
      .filter((e: { rule: string }) => e.rule === rule)
      .map((e: { kind: string }) => e.kind)
      .reverse();
  const evaluate = () => stack.server.services.alerts.evaluate();

  it('fires once when the success rate over the last hour drops below 90%, and clears once', async () => {
    const { acc, add } = await account();
    await add('SENT', 8, 10);
    await add('FAILED', 2, 5);
    await evaluate();
    expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ firing: true, value: 80 });
    await evaluate();
    expect(await eventsOf(acc, 'SUCCESS_RATE_1H')).toEqual(['FIRED']);

    await add('SENT', 40, 1);
    await evaluate();
    expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ firing: false, value: 96 });
    await evaluate();
    expect(await eventsOf(acc, 'SUCCESS_RATE_1H')).toEqual(['FIRED', 'CLEARED']);
  });

  it('stays quiet below the minimum volume', async () => {
    const { acc, add } = await account();
    await add('FAILED', 3, 5);
    await evaluate();
    expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ firing: false, value: null });
  });

  it('fires on more than 20 5xx failures in 15 minutes, not on 20, and clears as they age out', async () => {
    const { acc, add } = await account();
    await add('SENT', 500, 3);
    await add('FAILED', 20, 5, '5xx');
    await add('FAILED', 30, 5, 'channel_limit_exceeded');
    await evaluate();
    expect(await stateOf(acc, 'FAILURES_5XX_15M')).toMatchObject({ firing: false, value: 20 });
    await add('FAILED', 1, 2, '5xx');
    await evaluate();
    expect(await stateOf(acc, 'FAILURES_5XX_15M')).toMatchObject({ firing: true, value: 21 });
    // Time passes: the failures are now 20 minutes old.
    await stack.sql`update sends set completed_at = now() - interval '20 minutes' where account_id = ${acc.accountId} and reason = '5xx'`;
    await evaluate();
    expect(await stateOf(acc, 'FAILURES_5XX_15M')).toMatchObject({ firing: false, value: 0 });
    expect(await eventsOf(acc, 'FAILURES_5XX_15M')).toEqual(['FIRED', 'CLEARED']);
  });

  it('fires when the success rate is more than 5 points below the previous week', async () => {
    const { acc, add } = await account();
    await add('SENT', 20, 8 * 24 * 60); // previous week: 100%
    await add('SENT', 19, 3 * 24 * 60); // this week: 95%
    await add('FAILED', 1, 3 * 24 * 60);
    await evaluate();
    expect(await stateOf(acc, 'WEEK_OVER_WEEK_DROP')).toMatchObject({ firing: false, value: 5 });
    await add('FAILED', 3, 2 * 24 * 60); // this week: 19 / 23 = 82.61%
    await evaluate();
    expect(await stateOf(acc, 'WEEK_OVER_WEEK_DROP')).toMatchObject({ firing: true, value: 17.39 });
  });

  it('advises rollback when the success rate is below 80% over 24 hours', async () => {
    const { acc, add } = await account();
    await add('SENT', 7, 5 * 60);
    await add('FAILED', 3, 6 * 60);
    await evaluate();
    const rollback = await stateOf(acc, 'ROLLBACK_24H');
    expect(rollback).toMatchObject({ firing: true, value: 70 });
    // Nothing in the last hour: the 1 h rule has no rate to judge.
    expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ firing: false, value: null });
  });

  it('posts each transition to the webhook as Slack-style JSON, retrying failed posts', async () => {
    const { acc, add } = await account();
    await add('SENT', 5, 5 * 60);
    await add('FAILED', 5, 5 * 60);
    await evaluate();
    const mine = () => hook.received.filter((r) => r.body.alert.accountId === acc.accountId && r.body.alert.rule === 'ROLLBACK_24H');
    await waitFor(
      async () => {
        const history = (await stack.client.query(acc.tokens.VIEWER, HISTORY)).data.alertHistory;
        return history.find((e: { rule: string }) => e.rule === 'ROLLBACK_24H')?.deliveredAt ?? undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the webhook delivery' },
    );
    const posts = mine();
    expect(posts.map((p) => p.status)).toEqual([500, 500, 200]);
    const [row] = await stack.sql`select delivery_attempts from alert_events where account_id = ${acc.accountId} and rule = 'ROLLBACK_24H'`;
    expect(row!.delivery_attempts).toBe(3);
    const body = posts.at(-1)!.body;
    expect(body.text).toContain('[FIRED]');
    expect(body.text).toContain('rollback advised');
    expect(body.alert).toMatchObject({ rule: 'ROLLBACK_24H', state: 'FIRED', accountId: acc.accountId, value: 50, threshold: 80 });
  });

  describe('access', () => {
    it("shows an account only its own alerts, and OPS every account's", async () => {
      const { acc, add } = await account();
      await add('SENT', 1, 5 * 60);
      await add('FAILED', 9, 5 * 60);
      await evaluate();
      const other = await stack.createAccount();
      const theirs = (await stack.client.query(other.tokens.ADMIN, ALERTS)).data.alerts;
      expect(theirs.every((a: { accountId: string; firing: boolean }) => a.accountId === other.accountId && !a.firing)).toBe(true);
      const ops = (await stack.client.query(other.tokens.OPS, ALERTS)).data.alerts;
      expect(ops).toContainEqual(expect.objectContaining({ accountId: acc.accountId, rule: 'ROLLBACK_24H', firing: true }));
      expect((await stack.client.query(acc.tokens.AI_SERVICE, ALERTS)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  it('is evaluated every minute by a pg-boss schedule', async () => {
    const schedules = await stack.server.queue.getSchedules();
    expect(schedules).toContainEqual(expect.objectContaining({ name: JOBS.ALERTS_EVALUATE, cron: '* * * * *' }));
  });
});
