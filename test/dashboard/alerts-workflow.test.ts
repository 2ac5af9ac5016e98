import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import type { GraphQLResponse } from '../support/graphql-client.js';
import { insertSends } from '../support/generated-sends.js';
import { saveAction, uploadFile } from '../support/operations.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const MIN = 60_000;
const STATE_FIELDS = 'accountId rule firing value evaluatedAt acknowledgedAt acknowledgedBy window { from to reason }';
const ALERTS = `{ alerts { ${STATE_FIELDS} } }`;
const ACK = `mutation($a: ID!, $r: String!) { acknowledgeAlert(accountId: $a, rule: $r) { ${STATE_FIELDS} } }`;
const HISTORY = 'query($n: Int!, $b: ID) { alertHistory(first: $n, before: $b) { id accountId rule kind value valueText actor createdAt } }';
const FLAG_CHANGES =
  'query($a: ID, $n: Int, $c: String) { featureFlagChanges(accountId: $a, first: $n, after: $c) { nodes { id accountId accountName flag fromEnabled toEnabled changedBy createdAt } pageInfo { hasNextPage endCursor } } }';
const SET_FLAG = 'mutation($a: ID!, $e: Boolean!) { setFeatureFlag(accountId: $a, flag: "ai_agent_send_attachment_action", enabled: $e) }';

const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code;

describe('alerts a PM can work with: acknowledge, the failing sends, history pages; the flag audit', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ ALERT_MIN_SENDS: '10' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** A new account with one action, and a way to add finished sends minutes ago. */
  const account = async () => {
    const acc = await stack.createAccount();
    const staged = (await uploadFile(stack.client, acc.tokens.ADMIN, { name: 'f.pdf', content: FILES.pdf(777) })).data!.uploadAttachment.id;
    const actionId = (await saveAction(stack.client, acc.tokens.ADMIN, { agentId: acc.agentId, attachmentIds: [staged] })).data!.saveSendAttachmentAction.id;
    const add = (status: 'SENT' | 'FAILED', count: number, minutesAgo: number, reason: string | null = null) =>
      insertSends(stack.sql, {
        accountId: acc.accountId,
        agentId: acc.agentId,
        actionId,
        channel: 'whatsapp',
        status,
        reason: status === 'FAILED' ? (reason ?? '5xx') : null,
        at: new Date(Date.now() - minutesAgo * MIN),
        count,
      });
    return { acc, add };
  };
  const stateOf = async (acc: TestAccount, rule: string) =>
    (await stack.client.query(acc.tokens.VIEWER, ALERTS)).data.alerts.find((a: { rule: string }) => a.rule === rule);
  const historyOf = async (acc: TestAccount, first = 50, before: string | null = null) => stack.client.query(acc.tokens.VIEWER, HISTORY, { n: first, b: before });
  const evaluate = () => stack.server.services.alerts.evaluate();

  describe('acknowledge', () => {
    it('records who acknowledged a firing alert and when, once, as an event of the history', async () => {
      const { acc, add } = await account();
      await add('SENT', 6, 10);
      await add('FAILED', 4, 5);
      await evaluate();
      expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ firing: true, acknowledgedAt: null, acknowledgedBy: null });

      const res = await stack.client.query(acc.tokens.BOT_MANAGER, ACK, { a: acc.accountId, r: 'SUCCESS_RATE_1H' });
      expect(res.errors).toBeUndefined();
      const acked = res.data.acknowledgeAlert;
      expect(acked).toMatchObject({ rule: 'SUCCESS_RATE_1H', firing: true, acknowledgedBy: expect.stringMatching(/^Bot manager token [0-9a-f]{8}$/) });
      expect(Date.now() - Date.parse(acked.acknowledgedAt)).toBeLessThan(60_000);
      expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ acknowledgedAt: acked.acknowledgedAt, acknowledgedBy: acked.acknowledgedBy });

      // A second acknowledgement (another person, a double click) keeps the first and adds no event.
      const again = await stack.client.query(acc.tokens.ADMIN, ACK, { a: acc.accountId, r: 'SUCCESS_RATE_1H' });
      expect(again.data.acknowledgeAlert).toMatchObject({ acknowledgedAt: acked.acknowledgedAt, acknowledgedBy: acked.acknowledgedBy });

      const events = (await historyOf(acc)).data.alertHistory.filter((e: { rule: string }) => e.rule === 'SUCCESS_RATE_1H');
      expect(events.map((e: { kind: string }) => e.kind)).toEqual(['ACKNOWLEDGED', 'FIRED']);
      expect(events[0]).toMatchObject({ actor: acked.acknowledgedBy, value: 60, valueText: '60%' });
      expect(events[1]).toMatchObject({ actor: null });
    });

    it('is forgotten when the rule clears, so the next time it fires it is unacknowledged again', async () => {
      const { acc, add } = await account();
      await add('SENT', 5, 10);
      await add('FAILED', 5, 5);
      await evaluate();
      await stack.client.query(acc.tokens.ADMIN, ACK, { a: acc.accountId, r: 'SUCCESS_RATE_1H' });
      await add('SENT', 100, 3);
      await evaluate();
      expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ firing: false, acknowledgedAt: null, acknowledgedBy: null });
      await add('FAILED', 200, 2);
      await evaluate();
      expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ firing: true, acknowledgedAt: null, acknowledgedBy: null });
    });

    it('refuses a quiet alert, an unknown rule, a reader, and another account (OPS may acknowledge any)', async () => {
      const { acc, add } = await account();
      const other = await stack.createAccount();
      const ack = (token: string, accountId: string, rule = 'SUCCESS_RATE_1H') => stack.client.query(token, ACK, { a: accountId, r: rule });

      const quiet = await ack(acc.tokens.ADMIN, acc.accountId);
      expect(codeOf(quiet)).toBe('CONFLICT');
      expect(quiet.errors![0]!.message).toMatch(/not firing/);

      await add('FAILED', 10, 5);
      await evaluate();
      const unknown = await ack(acc.tokens.ADMIN, acc.accountId, 'NO_SUCH_RULE');
      expect(codeOf(unknown)).toBe('BAD_USER_INPUT');
      expect(unknown.errors![0]!.message).toContain('SUCCESS_RATE_1H');
      for (const role of ['VIEWER', 'AGENT', 'AI_SERVICE'] as const) expect(codeOf(await ack(acc.tokens[role], acc.accountId))).toBe('FORBIDDEN');
      for (const role of ['ADMIN', 'BOT_MANAGER'] as const) expect(codeOf(await ack(other.tokens[role], acc.accountId))).toBe('NOT_FOUND');
      expect(codeOf(await ack(acc.tokens.ADMIN, 'not-a-uuid'))).toBe('NOT_FOUND');
      expect(await stateOf(acc, 'SUCCESS_RATE_1H')).toMatchObject({ firing: true, acknowledgedAt: null });

      const byOps = await ack(other.tokens.OPS, acc.accountId);
      expect(byOps.data.acknowledgeAlert).toMatchObject({ accountId: acc.accountId, acknowledgedBy: expect.stringMatching(/^OPS token /) });
    });
  });

  it("names the window of the sends behind each rule, so the failing sends are one history filter away", async () => {
    const { acc, add } = await account();
    await add('FAILED', 21, 5, '5xx');
    await add('FAILED', 3, 4, 'timeout');
    await add('FAILED', 2, 40, '5xx'); // outside the 15 minutes
    await evaluate();
    const state = await stateOf(acc, 'FAILURES_5XX_15M');
    expect(state).toMatchObject({ firing: true, window: { to: state.evaluatedAt, reason: '5xx' } });
    expect(Date.parse(state.window.to) - Date.parse(state.window.from)).toBe(15 * MIN);

    const failing = await stack.client.query(
      acc.tokens.VIEWER,
      'query($f: SendFilter) { sends(filter: $f, first: 100) { totalCount } }',
      { f: { status: ['FAILED'], reason: state.window.reason ? [state.window.reason] : undefined, from: state.window.from, to: state.window.to } },
    );
    expect(failing.data.sends.totalCount).toBe(21);

    // The whole-hour rules look at whole UTC hours before the evaluation's hour.
    const rollback = await stateOf(acc, 'ROLLBACK_24H');
    const hourStart = Math.floor(Date.parse(rollback.evaluatedAt) / 3_600_000) * 3_600_000;
    expect(rollback.window).toEqual({ from: new Date(hourStart - 24 * 3_600_000).toISOString(), to: new Date(hourStart).toISOString(), reason: null });
  });

  it('pages the alert history with `before`, and refuses an event that is not in the list', async () => {
    const { acc, add } = await account();
    await add('FAILED', 25, 5, '5xx'); // fires SUCCESS_RATE_1H and FAILURES_5XX_15M
    await evaluate();
    await stack.client.query(acc.tokens.ADMIN, ACK, { a: acc.accountId, r: 'FAILURES_5XX_15M' });
    const all = (await historyOf(acc)).data.alertHistory.map((e: { id: string }) => e.id);
    expect(all).toHaveLength(3);

    const first = (await historyOf(acc, 2)).data.alertHistory.map((e: { id: string }) => e.id);
    expect(first).toEqual(all.slice(0, 2));
    const rest = (await historyOf(acc, 2, first[1])).data.alertHistory.map((e: { id: string }) => e.id);
    expect(rest).toEqual(all.slice(2));
    expect((await historyOf(acc, 2, rest[0])).data.alertHistory).toEqual([]);

    const other = await account();
    await other.add('FAILED', 10, 5);
    await evaluate();
    const theirs = (await historyOf(other.acc)).data.alertHistory[0].id;
    for (const before of [theirs, 'not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      const res = await historyOf(acc, 2, before);
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(res)).not.toContain(other.acc.accountId);
    }
  });

  describe('flag audit', () => {
    it('records who changed the flag, when and from which value, through the API and the CLI; a no-op is not a change', async () => {
      const acc = await stack.createAccount();
      const ops = (await stack.createAccount()).tokens.OPS;
      const changes = async () => (await stack.client.query(ops, FLAG_CHANGES, { a: acc.accountId })).data.featureFlagChanges.nodes;
      // The test stack turns the flag on through the unchecked (operator) path.
      expect(await changes()).toMatchObject([{ fromEnabled: null, toEnabled: true, changedBy: expect.stringMatching(/^ops CLI \(.+@.+\)$/) }]);

      expect((await stack.client.query(ops, SET_FLAG, { a: acc.accountId, e: false })).errors).toBeUndefined();
      expect((await stack.client.query(ops, SET_FLAG, { a: acc.accountId, e: false })).errors).toBeUndefined();
      await stack.server.services.accounts.setFeatureFlag(acc.accountId, 'ai_agent_send_attachment_action', true);
      const list = await changes();
      expect(list.map((c: { fromEnabled: boolean | null; toEnabled: boolean }) => [c.fromEnabled, c.toEnabled])).toEqual([
        [false, true],
        [true, false],
        [null, true],
      ]);
      expect(list[1]).toMatchObject({ accountId: acc.accountId, flag: 'ai_agent_send_attachment_action', changedBy: expect.stringMatching(/^OPS token [0-9a-f]{8}$/) });
      expect(list[0].changedBy).toMatch(/^ops CLI /);
      expect(Date.parse(list[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(list[1].createdAt));
    });

    it('pages newest first across accounts, refuses a bad cursor or page size, and is for OPS only', async () => {
      const ops = (await stack.createAccount()).tokens.OPS;
      const acc = await stack.createAccount();
      for (const enabled of [false, true, false]) await stack.client.query(ops, SET_FLAG, { a: acc.accountId, e: enabled });
      const page = async (after: string | null) => (await stack.client.query(ops, FLAG_CHANGES, { a: acc.accountId, n: 2, c: after })).data.featureFlagChanges;
      const one = await page(null);
      expect(one.nodes).toHaveLength(2);
      expect(one.pageInfo.hasNextPage).toBe(true);
      const two = await page(one.pageInfo.endCursor);
      expect(two.nodes).toHaveLength(2);
      expect(two.pageInfo.hasNextPage).toBe(false);
      expect(new Set([...one.nodes, ...two.nodes].map((c: { id: string }) => c.id)).size).toBe(4);

      const everyone = (await stack.client.query(ops, FLAG_CHANGES, { n: 100 })).data.featureFlagChanges.nodes;
      expect(new Set(everyone.map((c: { accountId: string }) => c.accountId)).size).toBeGreaterThan(1);

      expect(codeOf(await stack.client.query(ops, FLAG_CHANGES, { a: acc.accountId, c: 'garbage' }))).toBe('BAD_USER_INPUT');
      expect(codeOf(await stack.client.query(ops, FLAG_CHANGES, { n: 0 }))).toBe('BAD_USER_INPUT');
      expect(codeOf(await stack.client.query(ops, FLAG_CHANGES, { n: 101 }))).toBe('BAD_USER_INPUT');
      expect(codeOf(await stack.client.query(ops, FLAG_CHANGES, { a: '00000000-0000-4000-8000-000000000000' }))).toBe('NOT_FOUND');
      for (const role of ['ADMIN', 'BOT_MANAGER', 'VIEWER', 'AGENT', 'AI_SERVICE'] as const) {
        expect(codeOf(await stack.client.query(acc.tokens[role], FLAG_CHANGES, { a: acc.accountId }))).toBe('FORBIDDEN');
      }
    });
  });
});
