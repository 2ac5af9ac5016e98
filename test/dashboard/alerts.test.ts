import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_RULES, AlertRule } from '../../server/src/alerts/alert-rules.js';
import { AlertsRepository } from '../../server/src/alerts/alerts.repository.js';
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
    const staged = (await uploadFile(stack.client, acc.tokens.ADMIN, { name: 'f.pdf', content: FILES.pdf(888) })).data!.uploadAttachment.id;
    const actionId = (await saveAction(stack.client, acc.tokens.ADMIN, { agentId: acc.agentId, attachmentIds: [staged] })).data!
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

  describe('rollback advice (sustained 24 hours)', () => {
    const HOUR = 60 * MIN;
    const rollback = ALERT_RULES.find((r) => r.rule === AlertRule.ROLLBACK_24H)!;
    /** The rule as it would judge `acc` at `now`, over the rows as they are (no alert state touched). */
    const judge = async (acc: TestAccount, now: Date) => {
      const metrics = await new AlertsRepository(stack.server.database.db).metrics(now);
      return rollback.evaluate(metrics.get(acc.accountId)!, 10);
    };
    /** `sent` delivered and `failed` failed sends in the whole UTC hour starting at `hour`. */
    const inHour = async (add: Awaited<ReturnType<typeof account>>['add'], hour: Date, sent: number, failed: number) => {
      const minutesAgo = (Date.now() - (hour.getTime() + 30 * MIN)) / MIN;
      if (sent) await add('SENT', sent, minutesAgo);
      if (failed) await add('FAILED', failed, minutesAgo);
    };

    it('fires only once all of the last 24 whole hours were below 80%, and clears when an hour recovers', async () => {
      const { acc, add } = await account();
      // Synthetic hours far from the clock, so the every-minute schedule never judges them.
      const base = new Date(Math.floor(Date.now() / HOUR) * HOUR - 30 * 24 * HOUR);
      const at = (hours: number) => new Date(base.getTime() + hours * HOUR);
      // A burst of failures in the account's first hour of sending: the 1-hour rule's business.
      await inHour(add, at(0), 0, 30);
      expect(await judge(acc, at(1))).toEqual({ value: 0, firing: false });
      // 23 whole hours at 50%: not yet 24.
      for (let h = 1; h < 23; h++) await inHour(add, at(h), 5, 5);
      expect(await judge(acc, at(23))).toMatchObject({ firing: false });
      await inHour(add, at(23), 5, 5);
      expect(await judge(acc, at(24))).toEqual({ value: 44.23, firing: true });
      // An hour back at 80% or better ends it as soon as that hour is whole.
      await inHour(add, at(24), 8, 2);
      expect(await judge(acc, at(25))).toMatchObject({ firing: false });
      // Hours that are all bad again, but one of them with too few sends to judge.
      for (let h = 25; h < 49; h++) await inHour(add, at(h), h === 40 ? 2 : 5, h === 40 ? 7 : 5);
      expect(await judge(acc, at(49))).toMatchObject({ firing: false });
      for (let h = 49; h < 65; h++) await inHour(add, at(h), 5, 5);
      expect(await judge(acc, at(65))).toEqual({ value: 50, firing: true });
    });

    it('records one FIRED and one CLEARED transition, and says over what it was computed', async () => {
      const { acc, add } = await account();
      const thisHour = new Date(Math.floor(Date.now() / HOUR) * HOUR);
      for (let h = 1; h <= 24; h++) await inHour(add, new Date(thisHour.getTime() - h * HOUR), 6, 4);
      await evaluate();
      const state = (await stack.client.query(acc.tokens.VIEWER, '{ alerts { rule firing value valueText basis } }')).data.alerts.find(
        (a: { rule: string }) => a.rule === 'ROLLBACK_24H',
      );
      expect(state).toMatchObject({ firing: true, value: 60, valueText: '60% over the last 24 whole hours' });
      expect(state.basis).toMatch(/Each of the last 24 whole UTC hours on its own, each needing at least 10 finished sends/);
      // The hour that just ended recovers.
      await inHour(add, new Date(thisHour.getTime() - HOUR), 40, 0);
      await evaluate();
      expect(await stateOf(acc, 'ROLLBACK_24H')).toMatchObject({ firing: false });
      expect(await eventsOf(acc, 'ROLLBACK_24H')).toEqual(['FIRED', 'CLEARED']);
    });

    it('stays quiet for an account whose first sends, minutes ago, mostly failed', async () => {
      const { acc, add } = await account();
      await add('SENT', 7, 5);
      await add('FAILED', 13, 4);
      await evaluate();
      expect(await stateOf(acc, 'ROLLBACK_24H')).toMatchObject({ firing: false });
      expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ firing: true, value: 35 });
    });
  });

  it('posts each transition to the webhook as Slack-style JSON, retrying failed posts', async () => {
    const { acc, add } = await account();
    await add('SENT', 5, 10);
    await add('FAILED', 5, 10);
    await evaluate();
    const mine = () => hook.received.filter((r) => r.body.alert.accountId === acc.accountId && r.body.alert.rule === 'SUCCESS_RATE_1H');
    await waitFor(
      async () => {
        const history = (await stack.client.query(acc.tokens.VIEWER, HISTORY)).data.alertHistory;
        return history.find((e: { rule: string }) => e.rule === 'SUCCESS_RATE_1H')?.deliveredAt ?? undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the webhook delivery' },
    );
    const posts = mine();
    expect(posts.map((p) => p.status)).toEqual([500, 500, 200]);
    const [row] = await stack.sql`select delivery_attempts from alert_events where account_id = ${acc.accountId} and rule = 'SUCCESS_RATE_1H'`;
    expect(row!.delivery_attempts).toBe(3);
    const body = posts.at(-1)!.body;
    expect(body.text).toContain('[FIRED]');
    expect(body.text).toContain('below 90% over the last hour');
    expect(body.alert).toMatchObject({ rule: 'SUCCESS_RATE_1H', state: 'FIRED', accountId: acc.accountId, value: 50, threshold: 90 });
  });

  describe('access', () => {
    it("shows an account only its own alerts, and OPS every account's", async () => {
      const { acc, add } = await account();
      await add('SENT', 1, 5);
      await add('FAILED', 9, 5);
      await evaluate();
      const other = await stack.createAccount();
      const theirs = (await stack.client.query(other.tokens.ADMIN, ALERTS)).data.alerts;
      expect(theirs.every((a: { accountId: string; firing: boolean }) => a.accountId === other.accountId && !a.firing)).toBe(true);
      const ops = (await stack.client.query(other.tokens.OPS, ALERTS)).data.alerts;
      expect(ops).toContainEqual(expect.objectContaining({ accountId: acc.accountId, rule: 'SUCCESS_RATE_1H', firing: true }));
      expect((await stack.client.query(acc.tokens.AI_SERVICE, ALERTS)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  it('is evaluated every minute by a pg-boss schedule', async () => {
    const schedules = await stack.server.queue.getSchedules();
    expect(schedules).toContainEqual(expect.objectContaining({ name: JOBS.ALERTS_EVALUATE, cron: '* * * * *' }));
  });
});
