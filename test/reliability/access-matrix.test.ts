import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppSchema } from '../../server/src/infra/graphql/schema.js';
import { FILES } from '../support/files.js';
import type { GraphQLResponse } from '../support/graphql-client.js';
import { addRoom, invoke, waitForFinalSend } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';
import { record } from './support/ledger.js';
import { createTrainedAction } from '../support/factories.js';

type Role = 'ADMIN' | 'BOT_MANAGER' | 'AGENT' | 'VIEWER' | 'AI_SERVICE' | 'OPS';
const ROLES: Role[] = ['ADMIN', 'BOT_MANAGER', 'AGENT', 'VIEWER', 'AI_SERVICE', 'OPS'];
const READERS: Role[] = ['ADMIN', 'BOT_MANAGER', 'AGENT', 'VIEWER'];
const HISTORY: Role[] = [...READERS, 'OPS'];
/** `send` and `sends`: the history's readers, and the AI service, which learns what became of its calls. */
const SENDS: Role[] = [...HISTORY, 'AI_SERVICE'];
/** Configuration writes, and sending a test of an action (CONFIG_WRITE). */
const BUILDERS: Role[] = ['ADMIN', 'BOT_MANAGER'];
/** Acknowledging an alert: the builders of the account, and OPS for any account. */
const ALERT_ACKNOWLEDGERS: Role[] = ['ADMIN', 'BOT_MANAGER', 'OPS'];
/** Webhook endpoints and their deliveries: the account's admin only (WEBHOOKS_MANAGE). */
const WEBHOOKS: Role[] = ['ADMIN'];

/**
 * The role matrix and account isolation for the runtime and dashboard operations, completing
 * test/builder/access.test.ts (which covers the builder operations the same way): every
 * operation with every role, without a token, and with another account's token. The last test
 * fails when the schema gains an operation that neither file checks.
 */
const COVERED_BY_BUILDER_ACCESS_TEST = [
  'me', 'agents', 'attachmentLimits', 'actions', 'action', 'actionCatalog', 'uploadAttachment',
  'saveSendAttachmentAction', 'setActionEnabled', 'deleteAction', 'trainAgent', 'agentTools', 'setFeatureFlag',
  'apiTokens', 'revokeApiToken', 'setChatServiceSettings',
];

interface Fixture {
  account: TestAccount;
  actionId: string;
  room: string;
  sendId: string;
}

describe('reliability: access matrix of the runtime and dashboard operations', () => {
  let stack: TestStack;
  let acme: Fixture;
  let globex: Fixture;
  let requests = 0;
  let lost = 0;

  const fixture = async (): Promise<Fixture> => {
    const account = await stack.createAccount();
    const action = await createTrainedAction(stack, account, { files: [{ name: 'doc.pdf', content: FILES.pdf(1000 + Math.floor(Math.random() * 500)) }] });
    const room = await addRoom(stack, account, 'whatsapp');
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, idempotencyKey: 'fixture' });
    await waitForFinalSend(stack, account, receipt.sendId!);
    return { account, actionId: action.id, room, sendId: receipt.sendId! };
  };

  beforeAll(async () => {
    stack = await startTestStack();
    acme = await fixture();
    globex = await fixture();
  });
  afterAll(async () => {
    record({ test: 'access matrix', faults: 0, requests, lost });
    await stack?.stop();
  });

  const q = (token: string | null, query: string, variables: Record<string, unknown> = {}) => {
    requests++;
    return stack.client.query(token, query, variables);
  };
  const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code;
  const ACK_ALERT = 'mutation($a: ID!) { acknowledgeAlert(accountId: $a, rule: "SUCCESS_RATE_1H") { acknowledgedBy } }';
  const ADD_TEST_ROOM = 'mutation($c: String!) { addTestConversation(conversationId: $c, label: "matrix") { conversationId } }';
  const SEND_TEST = 'mutation($a: ID!, $c: String!) { sendTestAttachment(actionId: $a, conversationId: $c) { sendId status } }';
  /** The owner's fixture room on its list of test conversations. */
  const listTestRoom = async (owner: Fixture) => {
    await stack.sql`insert into test_conversations (account_id, conversation_id, label, channel)
      values (${owner.account.accountId}, ${owner.room}, 'matrix', 'whatsapp') on conflict do nothing`;
  };
  /** The owner's 1-hour rule firing and not acknowledged (no evaluation runs here: tests have no cron). */
  const fireAlert = async (owner: Fixture) => {
    await stack.sql`insert into alert_states (account_id, rule, firing, value, since, evaluated_at)
      values (${owner.account.accountId}, 'SUCCESS_RATE_1H', true, 50, now(), now())
      on conflict (account_id, rule) do update set firing = true, acknowledged_at = null, acknowledged_by = null`;
  };
  const year = { from: new Date(Date.now() - 30 * 86400_000).toISOString(), to: new Date(Date.now() + 86400_000).toISOString() };

  interface Operation {
    name: string;
    allowed: Role[];
    run(token: string | null, owner: Fixture): Promise<GraphQLResponse>;
    /** With a token of another account (`role` of it): proves nothing of `owner` leaks or changes. */
    isolation(other: TestAccount, owner: Fixture): Promise<void>;
  }

  const operations: Operation[] = [
    {
      name: 'invokeSendAttachment',
      allowed: ['AI_SERVICE'],
      run: (t, o) =>
        q(t, 'mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { sendId status reason } }', {
          i: { actionId: o.actionId, conversationId: o.room, idempotencyKey: `matrix-${Math.random()}` },
        }),
      isolation: async (other, owner) => {
        const before = await stack.sql`select count(*)::int as n from sends`;
        // Another account's action, and its own action into another account's room: both unknown to it.
        for (const input of [
          { actionId: owner.actionId, conversationId: owner.room },
          { actionId: globexOrAcme(other).actionId, conversationId: owner.room },
        ]) {
          const res = await q(other.tokens.AI_SERVICE, 'mutation($i: InvokeSendAttachmentInput!) { invokeSendAttachment(input: $i) { sendId status reason } }', { i: input });
          expect(res.data.invokeSendAttachment).toMatchObject({ sendId: null, status: 'REJECTED', reason: 'NOT_FOUND' });
        }
        const after = await stack.sql`select count(*)::int as n from sends`;
        expect(after[0]!.n).toBe(before[0]!.n);
      },
    },
    {
      name: 'sends',
      allowed: SENDS,
      run: (t) => q(t, '{ sends(first: 100) { totalCount edges { node { id } } } }'),
      isolation: async (other, owner) => {
        for (const role of SENDS) {
          const res = await q(other.tokens[role], 'query($a: ID) { sends(first: 100, filter: { actionId: $a }) { totalCount edges { node { id } } } }', { a: owner.actionId });
          expect(res.data.sends.totalCount).toBe(0);
          const all = await q(other.tokens[role], '{ sends(first: 100) { edges { node { id } } } }');
          expect(all.data.sends.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(owner.sendId);
        }
      },
    },
    {
      name: 'send',
      allowed: SENDS,
      run: (t, o) => q(t, 'query($id: ID!) { send(id: $id) { id } }', { id: o.sendId }),
      isolation: async (other, owner) => {
        for (const role of SENDS) {
          const res = await q(other.tokens[role], 'query($id: ID!) { send(id: $id) { id files { sha256 } } }', { id: owner.sendId });
          expect(res.data?.send ?? null).toBeNull();
        }
      },
    },
    {
      name: 'sendStats',
      allowed: HISTORY,
      run: (t) => q(t, 'query($f: DateTime!, $t: DateTime!) { sendStats(from: $f, to: $t, bucket: DAY) { sent failed } }', { f: year.from, t: year.to }),
      isolation: async (other, owner) => {
        const STATS = 'query($f: DateTime!, $t: DateTime!, $a: ID, $g: ID) { sendStats(from: $f, to: $t, bucket: DAY, accountId: $a, agentId: $g) { sent failed } }';
        for (const role of READERS) {
          // Naming the other account is refused; naming its agent counts nothing.
          expect(codeOf(await q(other.tokens[role], STATS, { f: year.from, t: year.to, a: owner.account.accountId }))).toBe('NOT_FOUND');
          const byAgent = await q(other.tokens[role], STATS, { f: year.from, t: year.to, g: owner.account.agentId });
          expect(byAgent.data.sendStats).toMatchObject({ sent: 0, failed: 0 });
          const own = await q(other.tokens[role], STATS, { f: year.from, t: year.to });
          const [mine] = await stack.sql`select count(*)::int as n from sends where account_id = ${other.accountId} and status = 'SENT'`;
          expect(own.data.sendStats.sent).toBe(mine!.n);
        }
        // OPS is the one cross-account role for stats (SPEC section 1).
        const ops = await q(other.tokens.OPS, STATS, { f: year.from, t: year.to, a: owner.account.accountId });
        const [theirs] = await stack.sql`select count(*)::int as n from sends where account_id = ${owner.account.accountId} and status = 'SENT'`;
        expect(ops.data.sendStats.sent).toBe(theirs!.n);
      },
    },
    {
      name: 'acknowledgeAlert',
      allowed: ALERT_ACKNOWLEDGERS,
      run: async (t, o) => {
        await fireAlert(o);
        return q(t, ACK_ALERT, { a: o.account.accountId });
      },
      isolation: async (other, owner) => {
        await fireAlert(owner);
        const acknowledgements = async () =>
          (await stack.sql`select count(*)::int as n from alert_events where account_id = ${owner.account.accountId} and kind = 'ACKNOWLEDGED'`)[0]!.n as number;
        const before = await acknowledgements();
        // OPS acknowledges any account's alerts by design; every other role of another account is refused.
        for (const role of ROLES.filter((r) => r !== 'OPS')) {
          const res = await q(other.tokens[role], ACK_ALERT, { a: owner.account.accountId });
          expect(codeOf(res)).toBe(ALERT_ACKNOWLEDGERS.includes(role) ? 'NOT_FOUND' : 'FORBIDDEN');
        }
        const [row] = await stack.sql`select acknowledged_at from alert_states where account_id = ${owner.account.accountId} and rule = 'SUCCESS_RATE_1H'`;
        expect(row!.acknowledged_at).toBeNull();
        expect(await acknowledgements()).toBe(before);
      },
    },
    {
      name: 'testConversations',
      allowed: READERS,
      run: (t) => q(t, '{ testConversations { conversationId label } }'),
      isolation: async (other, owner) => {
        await listTestRoom(owner);
        for (const role of READERS) {
          const res = await q(other.tokens[role], '{ testConversations { conversationId } }');
          expect(res.data.testConversations.map((c: { conversationId: string }) => c.conversationId)).not.toContain(owner.room);
        }
      },
    },
    {
      name: 'addTestConversation',
      allowed: ['ADMIN'],
      run: (t, o) => q(t, ADD_TEST_ROOM, { c: o.room }),
      isolation: async (other, owner) => {
        // The owner's room is not a room of the other account's ChatService token.
        const res = await q(other.tokens.ADMIN, ADD_TEST_ROOM, { c: owner.room });
        expect(codeOf(res)).toBe('BAD_USER_INPUT');
        expect(await stack.sql`select 1 from test_conversations where account_id = ${other.accountId} and conversation_id = ${owner.room}`).toHaveLength(0);
      },
    },
    {
      name: 'removeTestConversation',
      allowed: ['ADMIN'],
      run: async (t, o) => {
        await listTestRoom(o);
        return q(t, 'mutation($c: String!) { removeTestConversation(conversationId: $c) }', { c: o.room });
      },
      isolation: async (other, owner) => {
        await listTestRoom(owner);
        const res = await q(other.tokens.ADMIN, 'mutation($c: String!) { removeTestConversation(conversationId: $c) }', { c: owner.room });
        expect(codeOf(res)).toBe('NOT_FOUND');
        expect(await stack.sql`select 1 from test_conversations where account_id = ${owner.account.accountId} and conversation_id = ${owner.room}`).toHaveLength(1);
      },
    },
    {
      name: 'sendTestAttachment',
      allowed: BUILDERS,
      run: async (t, o) => {
        await listTestRoom(o);
        return q(t, SEND_TEST, { a: o.actionId, c: o.room });
      },
      isolation: async (other, owner) => {
        await listTestRoom(owner);
        const count = async () => ((await stack.sql`select count(*)::int as n from sends where account_id = ${owner.account.accountId}`)[0]!.n as number);
        const before = await count();
        for (const role of BUILDERS) {
          // The owner's room is not on the other account's list, and the owner's action is unknown to it.
          expect(codeOf(await q(other.tokens[role], SEND_TEST, { a: owner.actionId, c: owner.room }))).toBe('BAD_USER_INPUT');
        }
        expect(await count()).toBe(before);
      },
    },
    {
      name: 'featureFlagChanges',
      allowed: ['OPS'],
      run: (t) => q(t, '{ featureFlagChanges(first: 5) { nodes { id accountId } } }'),
      isolation: async () => {
        // Only OPS may call it, and OPS sees every account by design; nothing to isolate.
      },
    },
    {
      name: 'failureReasons',
      allowed: HISTORY,
      run: (t) => q(t, '{ failureReasons { reason label description } }'),
      isolation: async () => {
        // The same words for every account: nothing of an account's own is in them.
      },
    },
    {
      name: 'accountsOverview',
      allowed: ['OPS'],
      run: (t) => q(t, '{ accountsOverview { accountId } }'),
      isolation: async () => {
        // Only OPS may call it, and OPS sees every account by design; nothing to isolate.
      },
    },
    {
      name: 'alerts',
      allowed: HISTORY,
      run: (t) => q(t, '{ alerts { accountId rule firing } }'),
      isolation: async (other, owner) => {
        for (const role of READERS) {
          const res = await q(other.tokens[role], '{ alerts { accountId } }');
          const ids = new Set(res.data.alerts.map((a: { accountId: string }) => a.accountId));
          expect(ids.has(owner.account.accountId)).toBe(false);
        }
      },
    },
    {
      name: 'alertHistory',
      allowed: HISTORY,
      run: (t) => q(t, '{ alertHistory(first: 50) { id accountId } }'),
      isolation: async (other, owner) => {
        await stack.sql`insert into alert_events (account_id, rule, kind, value, message) values (${owner.account.accountId}, 'success_rate_1h', 'fired', 50, 'matrix fixture')`;
        for (const role of READERS) {
          const res = await q(other.tokens[role], '{ alertHistory(first: 200) { accountId } }');
          expect(res.data.alertHistory.every((e: { accountId: string }) => e.accountId !== owner.account.accountId)).toBe(true);
        }
      },
    },
  ];

  // A public https URL: this stack keeps the address guard on, and nothing here waits for a delivery.
  const HOOK_URL = 'https://hooks.example.com/matrix';
  const CREATE_ENDPOINT = 'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id } } }';
  const newEndpoint = async (owner: Fixture): Promise<string> => {
    const res = await q(owner.account.tokens.ADMIN, CREATE_ENDPOINT, { i: { url: HOOK_URL, events: ['ai_agent_attachment_sent'] } });
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data.createWebhookEndpoint.endpoint.id;
  };
  const shared = new Map<Fixture, Promise<string>>();
  const endpointOf = (owner: Fixture) => {
    if (!shared.has(owner)) shared.set(owner, newEndpoint(owner));
    return shared.get(owner)!;
  };
  /** A FAILED delivery on the owner's endpoint, of an event of its own (one the endpoint does not subscribe to, so the fan-out adds none). */
  const failedDeliveryOf = async (owner: Fixture): Promise<string> => {
    const endpointId = await endpointOf(owner);
    const accountId = owner.account.accountId;
    const [event] = await stack.sql`insert into events (account_id, name, properties) values (${accountId}, 'ai_agent_attachment_send_cancelled', '{}') returning id`;
    const [row] = await stack.sql`insert into webhook_deliveries (account_id, endpoint_id, event_id, event_name, status, attempts, enqueued_at, next_attempt_at)
      values (${accountId}, ${endpointId}, ${event!.id}, 'ai_agent_attachment_send_cancelled', 'FAILED', 10, now(), null) returning id`;
    return row!.id as string;
  };
  /** Another account's ADMIN (the one role allowed) gets NOT_FOUND on the owner's endpoint, and the row is unchanged. */
  const endpointIsolation = (query: string) => async (other: TestAccount, owner: Fixture) => {
    const id = await endpointOf(owner);
    const [before] = await stack.sql`select url, events, enabled, secret_sealed, updated_at from webhook_endpoints where id = ${id}`;
    for (const role of ROLES) {
      const res = await q(other.tokens[role], query, { id });
      expect(codeOf(res)).toBe(role === 'ADMIN' ? 'NOT_FOUND' : 'FORBIDDEN');
    }
    const [after] = await stack.sql`select url, events, enabled, secret_sealed, updated_at from webhook_endpoints where id = ${id}`;
    expect(after).toEqual(before);
  };
  operations.push(
    {
      name: 'webhookEvents',
      allowed: WEBHOOKS,
      run: (t) => q(t, '{ webhookEvents { name description } }'),
      isolation: async () => {
        // The same list for every account.
      },
    },
    {
      name: 'webhookEndpoints',
      allowed: WEBHOOKS,
      run: (t) => q(t, '{ webhookEndpoints { id url } }'),
      isolation: async (other, owner) => {
        const id = await endpointOf(owner);
        const res = await q(other.tokens.ADMIN, '{ webhookEndpoints { id } }');
        expect(res.data.webhookEndpoints.map((e: { id: string }) => e.id)).not.toContain(id);
      },
    },
    {
      name: 'webhookDeliveries',
      allowed: WEBHOOKS,
      run: async (t, o) => q(t, 'query($id: ID!) { webhookDeliveries(endpointId: $id) { nodes { id } } }', { id: await endpointOf(o) }),
      isolation: endpointIsolation('query($id: ID!) { webhookDeliveries(endpointId: $id) { nodes { id } } }'),
    },
    {
      name: 'createWebhookEndpoint',
      allowed: WEBHOOKS,
      run: (t) => q(t, CREATE_ENDPOINT, { i: { url: HOOK_URL, events: ['ai_agent_attachment_sent'] } }),
      isolation: async (other, owner) => {
        const count = async (accountId: string) => ((await stack.sql`select count(*)::int as n from webhook_endpoints where account_id = ${accountId}`)[0]!.n as number);
        const before = await count(owner.account.accountId);
        const res = await q(other.tokens.ADMIN, CREATE_ENDPOINT, { i: { url: HOOK_URL, events: ['ai_agent_attachment_sent'] } });
        expect(res.errors).toBeUndefined();
        const [row] = await stack.sql`select account_id from webhook_endpoints where id = ${res.data.createWebhookEndpoint.endpoint.id}`;
        expect(row!.account_id).toBe(other.accountId);
        expect(await count(owner.account.accountId)).toBe(before);
      },
    },
    {
      name: 'updateWebhookEndpoint',
      allowed: WEBHOOKS,
      run: async (t, o) => q(t, 'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: true }) { id } }', { id: await endpointOf(o) }),
      isolation: endpointIsolation('mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false, url: "https://attacker.example.com/" }) { id } }'),
    },
    {
      name: 'rotateWebhookSecret',
      allowed: WEBHOOKS,
      run: async (t, o) => q(t, 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', { id: await endpointOf(o) }),
      isolation: endpointIsolation('mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }'),
    },
    {
      name: 'redeliverWebhook',
      allowed: WEBHOOKS,
      run: async (t, o) => q(t, 'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id status } }', { id: await failedDeliveryOf(o) }),
      isolation: async (other, owner) => {
        const id = await failedDeliveryOf(owner);
        for (const role of ROLES) {
          const res = await q(other.tokens[role], 'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }', { id });
          expect(codeOf(res)).toBe(role === 'ADMIN' ? 'NOT_FOUND' : 'FORBIDDEN');
        }
        const [row] = await stack.sql`select status, attempts from webhook_deliveries where id = ${id}`;
        expect(row).toEqual({ status: 'FAILED', attempts: 10 });
        expect(await stack.sql`select 1 from pgboss.job where name = 'webhooks.deliver' and data->>'deliveryId' = ${id}`).toHaveLength(0);
      },
    },
    {
      name: 'deleteWebhookEndpoint',
      allowed: WEBHOOKS,
      run: async (t, o) => q(t, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: await newEndpoint(o) }),
      isolation: endpointIsolation('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }'),
    },
  );

  const globexOrAcme = (account: TestAccount) => (account === globex.account ? globex : acme);

  describe.each(operations)('$name', (op) => {
    it.each(ROLES)('with role %s', async (role) => {
      const res = await op.run(acme.account.tokens[role], acme);
      const ok = op.allowed.includes(role) ? res.errors === undefined : codeOf(res) === 'FORBIDDEN';
      if (!ok) lost++;
      if (op.allowed.includes(role)) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      else expect(codeOf(res)).toBe('FORBIDDEN');
    });

    it('without a token: UNAUTHENTICATED', async () => {
      const res = await op.run(null, acme);
      if (codeOf(res) !== 'UNAUTHENTICATED') lost++;
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    });

    it("with another account's tokens: nothing of the owner is read or written", async () => {
      try {
        await op.isolation(globex.account, acme);
      } catch (error) {
        lost++;
        throw error;
      }
    });
  });

  it('covers every operation of the schema, with test/builder/access.test.ts', async () => {
    // The fields of Query and Mutation in the schema the server serves (test/schema.test.ts
    // keeps schema/schema.graphql equal to it).
    const schema = await buildAppSchema();
    const all = [schema.getQueryType(), schema.getMutationType()].flatMap((type) => Object.keys(type?.getFields() ?? {}));
    expect(all.length).toBeGreaterThanOrEqual(20);
    const covered = new Set([...COVERED_BY_BUILDER_ACCESS_TEST, ...operations.map((o) => o.name)]);
    expect(all.filter((name) => !covered.has(name))).toEqual([]);
  });
});
