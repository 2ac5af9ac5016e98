import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAction } from '../support/factories.js';
import { SET_ENABLED } from '../support/operations.js';
import { insertSends } from '../support/generated-sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const STATS = `query Stats($from: DateTime!, $to: DateTime!, $bucket: StatsBucket!, $agentId: ID, $channel: String, $accountId: ID) {
  sendStats(from: $from, to: $to, bucket: $bucket, agentId: $agentId, channel: $channel, accountId: $accountId) {
    sent failed successRate targetSuccessRate maxBuckets
    series { bucketStart sent failed successRate }
    reasons { reason label count }
    channels { channel sent failed successRate }
    actions { actionId actionName sent failed successRate }
    adoption { activeAgents adoptingAgents rate }
    weekOverWeek { current { sent failed successRate } previous { sent failed successRate } successRateChange sendsChangePercent }
  }
}`;

const H = 3600_000;
/** Monday 2026-11-02 00:00 UTC: a fixed, week-aligned origin for generated data. */
const T0 = new Date('2026-11-02T00:00:00Z');
const at = (hours: number, minutes = 0) => new Date(T0.getTime() + hours * H + minutes * 60_000);

describe('sendStats', () => {
  let stack: TestStack;
  let acme: TestAccount;
  let actionA: string;
  let actionB: string;

  const newAction = async (account: TestAccount, name: string) => (await createAction(stack, account, { name })).id;
  const stats = async (token: string, vars: Record<string, unknown>) => {
    const res = await stack.client.query(token, STATS, { from: T0, to: at(24), bucket: 'HOUR', ...vars });
    return res;
  };

  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.createAccount();
    actionA = await newAction(acme, 'Price list');
    actionB = await newAction(acme, 'Brochure');
    const base = { accountId: acme.accountId, agentId: acme.agentId };
    // Hour 1: 8 sent + 2 failed (5xx) on WhatsApp, action A.
    await insertSends(stack.sql, { ...base, actionId: actionA, channel: 'whatsapp', status: 'SENT', at: at(1, 10), count: 8 });
    await insertSends(stack.sql, { ...base, actionId: actionA, channel: 'whatsapp', status: 'FAILED', reason: '5xx', at: at(1, 50), count: 2 });
    // Hour 3: 5 sent + 5 failed (over the channel limit) on Telegram, action B.
    await insertSends(stack.sql, { ...base, actionId: actionB, channel: 'telegram', status: 'SENT', at: at(3, 0), count: 5 });
    await insertSends(stack.sql, { ...base, actionId: actionB, channel: 'telegram', status: 'FAILED', reason: 'channel_limit_exceeded', at: at(3, 30), count: 5 });
    // Hour 5: 3 failed on Instagram before delivery; 4 still queued (not finished, not counted).
    await insertSends(stack.sql, { ...base, actionId: actionB, channel: 'instagram', status: 'FAILED', reason: 'channel_unsupported', at: at(5), count: 3 });
    await insertSends(stack.sql, { ...base, actionId: actionA, channel: 'whatsapp', status: 'QUEUED', at: at(5), count: 4 });
    // Outside the range: the day before.
    await insertSends(stack.sql, { ...base, actionId: actionA, channel: 'whatsapp', status: 'FAILED', reason: '5xx', at: at(-10), count: 7 });
  });
  afterAll(() => stack?.stop());

  it('counts sent and failed and computes success rate = sent / (sent + failed) × 100', async () => {
    const res = await stats(acme.tokens.ADMIN, {});
    expect(res.errors).toBeUndefined();
    expect(res.data.sendStats).toMatchObject({ sent: 13, failed: 10, successRate: 56.52, targetSuccessRate: 95, maxBuckets: 1000 });
  });

  it('gives a zero-filled hourly series', async () => {
    const { series } = (await stats(acme.tokens.ADMIN, {})).data.sendStats;
    expect(series).toHaveLength(24);
    expect(series[0]).toEqual({ bucketStart: T0.toISOString(), sent: 0, failed: 0, successRate: null });
    expect(series[1]).toEqual({ bucketStart: at(1).toISOString(), sent: 8, failed: 2, successRate: 80 });
    expect(series[3]).toEqual({ bucketStart: at(3).toISOString(), sent: 5, failed: 5, successRate: 50 });
    expect(series[5]).toMatchObject({ sent: 0, failed: 3, successRate: 0 });
  });

  it('buckets by UTC day and ISO week', async () => {
    const days = (await stats(acme.tokens.ADMIN, { from: at(-24), to: at(48), bucket: 'DAY' })).data.sendStats.series;
    expect(days.map((d: { sent: number; failed: number }) => [d.sent, d.failed])).toEqual([[0, 7], [13, 10], [0, 0]]);
    const weeks = (await stats(acme.tokens.ADMIN, { from: at(-24), to: at(24), bucket: 'WEEK' })).data.sendStats.series;
    expect(weeks.map((w: { bucketStart: string; failed: number }) => [w.bucketStart, w.failed])).toEqual([
      [new Date('2026-10-26T00:00:00Z').toISOString(), 7],
      [T0.toISOString(), 10],
    ]);
  });

  it('counts the same whether whole days come from daily rollups or hours from hourly ones', async () => {
    // Partial day, whole day, partial day: hourly + daily + hourly rollups.
    const mixed = (await stats(acme.tokens.ADMIN, { from: at(-10), to: at(30), bucket: 'DAY' })).data.sendStats;
    const hourly = (await stats(acme.tokens.ADMIN, { from: at(-10), to: at(30), bucket: 'HOUR' })).data.sendStats;
    expect(mixed).toMatchObject({ sent: 13, failed: 17 });
    expect(hourly).toMatchObject({ sent: 13, failed: 17 });
    expect(mixed.series.map((d: { sent: number; failed: number }) => [d.sent, d.failed])).toEqual([[0, 7], [13, 10], [0, 0]]);
    expect(mixed.reasons).toEqual(hourly.reasons);
    expect(mixed.channels).toEqual(hourly.channels);
  });

  it('gives the failure-reason mix, per channel and per action', async () => {
    const s = (await stats(acme.tokens.ADMIN, {})).data.sendStats;
    expect(s.reasons).toEqual([
      { reason: 'channel_limit_exceeded', label: "Over the channel's limits", count: 5 },
      { reason: 'channel_unsupported', label: 'Channel cannot carry files', count: 3 },
      { reason: '5xx', label: 'ChatService unavailable', count: 2 },
    ]);
    // Every reason a send can fail or be cancelled for, in words, for filters and tables.
    const all = (await stack.client.query(acme.tokens.VIEWER, '{ failureReasons { reason label description } }')).data.failureReasons;
    expect(all.map((r: { reason: string }) => r.reason).sort()).toEqual(['4xx', '5xx', 'action_deleted', 'action_disabled', 'channel_limit_exceeded', 'channel_unsupported', 'credentials', 'file_missing', 'flag_off', 'unconfirmed']);
    expect(all.every((r: { label: string; description: string }) => r.label && r.description)).toBe(true);
    expect(s.channels).toEqual([
      { channel: 'telegram', sent: 5, failed: 5, successRate: 50 },
      { channel: 'whatsapp', sent: 8, failed: 2, successRate: 80 },
      { channel: 'instagram', sent: 0, failed: 3, successRate: 0 },
    ]);
    expect(s.actions).toEqual([
      { actionId: actionB, actionName: 'Brochure', sent: 5, failed: 8, successRate: 38.46 },
      { actionId: actionA, actionName: 'Price list', sent: 8, failed: 2, successRate: 80 },
    ]);
  });

  it('filters by channel and by agent', async () => {
    const whatsapp = (await stats(acme.tokens.ADMIN, { channel: 'whatsapp' })).data.sendStats;
    expect(whatsapp).toMatchObject({ sent: 8, failed: 2, successRate: 80 });
    const otherAgent = await stack.server.services.agents.create(acme.accountId, 'Idle agent');
    const none = (await stats(acme.tokens.ADMIN, { agentId: otherAgent.id })).data.sendStats;
    expect(none).toMatchObject({ sent: 0, failed: 0, successRate: null });
  });

  it('compares the last 7 days with the 7 before (week over week)', async () => {
    const s = (await stats(acme.tokens.ADMIN, { from: at(0), to: at(24) })).data.sendStats;
    // Current: 7 days ending at hour 24, which holds all 23 finished sends plus the 7 failures of hour -10.
    expect(s.weekOverWeek.current).toEqual({ sent: 13, failed: 17, successRate: 43.33 });
    expect(s.weekOverWeek.previous).toEqual({ sent: 0, failed: 0, successRate: null });
    expect(s.weekOverWeek.successRateChange).toBeNull();
    const later = (await stats(acme.tokens.ADMIN, { from: at(7 * 24), to: at(8 * 24) })).data.sendStats;
    // Previous: the 7 days ending at hour 24, again every finished send.
    expect(later.weekOverWeek.previous).toEqual({ sent: 13, failed: 17, successRate: 43.33 });
    expect(later.weekOverWeek.current).toEqual({ sent: 0, failed: 0, successRate: null });

    const account = await stack.createAccount();
    const action = await newAction(account, 'wow');
    const base = { accountId: account.accountId, agentId: account.agentId, actionId: action, channel: 'whatsapp' };
    await insertSends(stack.sql, { ...base, status: 'SENT', at: at(1), count: 9 });
    await insertSends(stack.sql, { ...base, status: 'FAILED', reason: '5xx', at: at(1), count: 1 });
    await insertSends(stack.sql, { ...base, status: 'SENT', at: at(7 * 24 + 1), count: 6 });
    await insertSends(stack.sql, { ...base, status: 'FAILED', reason: '5xx', at: at(7 * 24 + 1), count: 4 });
    const wow = (await stats(account.tokens.ADMIN, { from: at(7 * 24), to: at(8 * 24) })).data.sendStats.weekOverWeek;
    expect(wow).toEqual({
      current: { sent: 6, failed: 4, successRate: 60 },
      previous: { sent: 9, failed: 1, successRate: 90 },
      successRateChange: -30,
      sendsChangePercent: 0,
    });
  });

  it('measures adoption as active agents with an enabled Send Attachment action', async () => {
    const account = await stack.createAccount();
    const withAction = await newAction(account, 'x');
    const second = await stack.server.services.agents.create(account.accountId, 'Second');
    const third = await stack.server.services.agents.create(account.accountId, 'Inactive');
    await stack.sql`update agents set active = false where id = ${third.id}`;
    let adoption = (await stats(account.tokens.ADMIN, {})).data.sendStats.adoption;
    expect(adoption).toEqual({ activeAgents: 2, adoptingAgents: 1, rate: 50 });
    expect(second.id).toBeTruthy();
    await stack.client.query(account.tokens.ADMIN, SET_ENABLED, { id: withAction, enabled: false });
    adoption = (await stats(account.tokens.ADMIN, {})).data.sendStats.adoption;
    expect(adoption).toEqual({ activeAgents: 2, adoptingAgents: 0, rate: 0 });
  });

  it('counts the same before and after pending deltas are folded into the rollups', async () => {
    const pending = async () => (await stack.sql`select count(*)::int as n from send_rollup_deltas`)[0]!.n as number;
    const before = (await stats(acme.tokens.ADMIN, { from: at(-24), to: at(48), bucket: 'DAY' })).data.sendStats;
    expect(await pending()).toBeGreaterThan(0);
    expect(await stack.server.services.stats.fold()).toBeGreaterThan(0);
    expect(await pending()).toBe(0);
    const after = (await stats(acme.tokens.ADMIN, { from: at(-24), to: at(48), bucket: 'DAY' })).data.sendStats;
    expect(after).toEqual(before);
    const schedules = await stack.server.queue.getSchedules();
    expect(schedules).toContainEqual(expect.objectContaining({ name: 'stats.fold', cron: '* * * * *' }));
  });

  it('counts a send once when it becomes SENT, however often the row changes afterwards', async () => {
    const account = await stack.createAccount();
    const action = await newAction(account, 'y');
    const [row] = await stack.sql`
      insert into sends (account_id, agent_id, action_id, conversation_id, channel, status, created_at)
      values (${account.accountId}, ${account.agentId}, ${action}, 'c1', 'whatsapp', 'QUEUED', ${at(2)}) returning id`;
    await stack.sql`update sends set status = 'SENDING' where id = ${row!.id}`;
    await stack.sql`update sends set status = 'SENT', completed_at = ${at(2, 5)} where id = ${row!.id}`;
    await stack.sql`update sends set status = 'SENT', caption = 'touched' where id = ${row!.id}`;
    const s = (await stats(account.tokens.ADMIN, {})).data.sendStats;
    expect(s).toMatchObject({ sent: 1, failed: 0, successRate: 100 });
  });

  describe('access', () => {
    it("never counts another account's sends", async () => {
      const other = await stack.createAccount();
      const s = (await stats(other.tokens.ADMIN, {})).data.sendStats;
      expect(s).toMatchObject({ sent: 0, failed: 0, successRate: null, reasons: [], channels: [], actions: [] });
      const asked = await stats(other.tokens.ADMIN, { accountId: acme.accountId });
      expect(asked.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });

    it('lets every reader role see stats, and refuses the AI service', async () => {
      for (const role of ['ADMIN', 'BOT_MANAGER', 'AGENT', 'VIEWER'] as const) {
        expect((await stats(acme.tokens[role], {})).data?.sendStats.sent, role).toBe(13);
      }
      expect((await stats(acme.tokens.AI_SERVICE, {})).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('lets OPS see every account together, or one account', async () => {
      const other = await stack.createAccount();
      const otherAction = await newAction(other, 'z');
      await insertSends(stack.sql, {
        accountId: other.accountId, agentId: other.agentId, actionId: otherAction, channel: 'line', status: 'SENT', at: at(6), count: 2,
      });
      const all = (await stats(acme.tokens.OPS, {})).data.sendStats;
      expect(all.sent).toBeGreaterThanOrEqual(15);
      const one = (await stats(acme.tokens.OPS, { accountId: other.accountId })).data.sendStats;
      expect(one).toMatchObject({ sent: 2, failed: 0 });
    });
  });

  describe('bad ranges', () => {
    it('refuses "to" before "from"', async () => {
      const res = await stats(acme.tokens.ADMIN, { from: at(5), to: at(1) });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    });

    it('refuses a year of hourly buckets, suggesting a larger bucket', async () => {
      const res = await stats(acme.tokens.ADMIN, { from: at(-365 * 24), to: at(0) });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bucket' });
    });
  });
});

describe('accountsOverview', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.stop());

  it("lists every account's flag and 7-day success rate, for OPS only", async () => {
    const on = await stack.createAccount();
    const off = await stack.createAccount({ flag: false });
    const action = (await createAction(stack, on)).id;
    const now = new Date();
    await insertSends(stack.sql, { accountId: on.accountId, agentId: on.agentId, actionId: action, channel: 'whatsapp', status: 'SENT', at: new Date(now.getTime() - H), count: 3 });
    await insertSends(stack.sql, { accountId: on.accountId, agentId: on.agentId, actionId: action, channel: 'whatsapp', status: 'FAILED', reason: '5xx', at: new Date(now.getTime() - H), count: 1 });
    const query = '{ accountsOverview { accountId flag flagEnabled sent failed successRate } }';
    const res = await stack.client.query(on.tokens.OPS, query);
    expect(res.data.accountsOverview).toContainEqual({ accountId: on.accountId, flag: 'ai_agent_send_attachment_action', flagEnabled: true, sent: 3, failed: 1, successRate: 75 });
    expect(res.data.accountsOverview).toContainEqual({ accountId: off.accountId, flag: 'ai_agent_send_attachment_action', flagEnabled: false, sent: 0, failed: 0, successRate: null });
    expect((await stack.client.query(on.tokens.ADMIN, query)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
