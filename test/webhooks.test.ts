import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from './support/files.js';
import { addRoom, invoke, waitFor, waitForFinalSend } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createEndpoint as registerEndpoint, deliveriesOf, DELIVERY_FIELDS, ENDPOINT_FIELDS, waitForDeliveries, WebhookReceiver } from './support/webhook-receiver.js';
import { createTrainedAction } from './support/factories.js';

/** The server's log lines, to prove no signing secret reaches them. */
class CapturedLog {
  text = '';
  write(line: string) {
    this.text += line;
  }
}

/**
 * Account webhooks end to end: the real server delivers to real HTTP receivers on 127.0.0.1
 * (so this stack allows http and private addresses; test/security/webhook-address-guard.test.ts
 * and webhooks-guard.test.ts test the guard with both switches off). Signatures are checked
 * with the `standardwebhooks` package, independently of the server's signing code.
 */
describe('account webhooks', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let account: TestAccount;
  let actionId: string;
  const log = new CapturedLog();
  /** Every secret the API handed out in this file. */
  const secrets: string[] = [];
  const createEndpoint = async (...args: Parameters<typeof registerEndpoint>) => {
    const created = await registerEndpoint(...args);
    secrets.push(created.secret);
    return created;
  };

  beforeAll(async () => {
    stack = await startTestStack({
      WEBHOOK_ALLOW_HTTP: 'on',
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on',
      WEBHOOK_RETRY_DELAY_SECONDS: '1',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_RELAY_POLL_MS: '100',
      WORKER_POLL_MS: '100',
      LOG_LEVEL: 'debug',
    }, { logDestination: log });
    receiver = await new WebhookReceiver().start();
    account = await stack.createAccount();
    actionId = (await createTrainedAction(stack, account, { files: [{ name: 'price-list.pdf', content: FILES.pdf(2048) }] })).id;
  });
  afterAll(async () => {
    await receiver?.stop();
    await stack?.stop();
  });

  const gql = (token: string, query: string, variables: Record<string, unknown> = {}) => stack.client.query(token, query, variables);

  it('posts a signed ai_agent_attachment_sent that standardwebhooks verifies, with the event as data', async () => {
    const { secret, endpoint } = await createEndpoint(stack, account, receiver.url('/sent'));
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const room = await addRoom(stack, account, 'whatsapp');
    const receipt = await invoke(stack, account, { actionId, conversationId: room });
    await waitForFinalSend(stack, account, receipt.sendId!);

    const [hit] = await waitFor(() => (receiver.on('/sent').length > 0 ? receiver.on('/sent') : undefined), { what: 'the webhook' });
    const payload = new Webhook(secret).verify(hit!.body, hit!.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({
      type: 'ai_agent_attachment_sent',
      data: { send_id: receipt.sendId, conversation_id: room, channel: 'whatsapp', file_count: 1, action_id: actionId, account_id: account.accountId },
    });
    expect(new Date(payload.timestamp).getTime()).not.toBeNaN();
    expect(hit!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(hit!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
    // A signature made with another secret does not verify: the check above could fail.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(hit!.body, hit!.headers)).toThrow();

    const [delivery] = await waitForDeliveries(stack, account, endpoint.id, (d) => (d[0]?.status === 'DELIVERED' ? d : undefined), 'DELIVERED');
    expect(delivery).toMatchObject({ eventName: 'ai_agent_attachment_sent', attempts: 1, lastStatus: 200, lastErrorCode: null, nextAttemptAt: null, webhookId: hit!.headers['webhook-id'] });
    expect(delivery!.deliveredAt).not.toBeNull();
    await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
  });

  it("posts the guard's send_failed from invoke (an Instagram room: channel_unsupported)", async () => {
    const { secret, endpoint } = await createEndpoint(stack, account, receiver.url('/failed'), ['ai_agent_attachment_send_failed']);
    const sent = await addRoom(stack, account, 'whatsapp');
    const ok = await invoke(stack, account, { actionId, conversationId: sent });
    await waitForFinalSend(stack, account, ok.sendId!);
    const instagram = await addRoom(stack, account, 'instagram');
    const receipt = await invoke(stack, account, { actionId, conversationId: instagram });
    expect(receipt).toMatchObject({ status: 'FAILED', reason: 'channel_unsupported' });

    const [hit] = await waitFor(() => (receiver.on('/failed').length > 0 ? receiver.on('/failed') : undefined), { what: 'the webhook' });
    const payload = new Webhook(secret).verify(hit!.body, hit!.headers);
    expect(payload).toMatchObject({ type: 'ai_agent_attachment_send_failed', data: { reason: 'channel_unsupported', channel: 'instagram', send_id: receipt.sendId } });
    await waitForDeliveries(stack, account, endpoint.id, (d) => (d.length === 1 && d[0]!.status === 'DELIVERED' ? d : undefined), 'one delivery');
    // Subscribed to failures only: the sent event made no delivery.
    expect(receiver.on('/failed')).toHaveLength(1);
    await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
  });

  it('retries a 500 with the same webhook-id, and the delivery ends DELIVERED', async () => {
    const { secret, endpoint } = await createEndpoint(stack, account, receiver.url('/flaky'));
    receiver.answerNext(500);
    const room = await addRoom(stack, account, 'telegram');
    const receipt = await invoke(stack, account, { actionId, conversationId: room });
    await waitForFinalSend(stack, account, receipt.sendId!);

    const failedFirst = await waitForDeliveries(stack, account, endpoint.id, (d) => (d[0]?.attempts === 1 && d[0].status === 'PENDING' ? d[0] : undefined), 'a failed first attempt');
    expect(failedFirst).toMatchObject({ lastStatus: 500, lastErrorCode: 'HTTP_ERROR' });
    expect(failedFirst.nextAttemptAt).not.toBeNull();

    const done = await waitForDeliveries(stack, account, endpoint.id, (d) => (d[0]?.status === 'DELIVERED' ? d[0] : undefined), 'DELIVERED');
    expect(done).toMatchObject({ attempts: 2, lastStatus: 200, nextAttemptAt: null });
    const hits = receiver.on('/flaky');
    expect(hits.map((h) => h.answeredWith)).toEqual([500, 200]);
    expect(new Set(hits.map((h) => h.headers['webhook-id']))).toEqual(new Set([done.webhookId]));
    for (const hit of hits) new Webhook(secret).verify(hit.body, hit.headers);
    const attempts = await stack.sql`select attempt, http_status, error_code from webhook_attempts where delivery_id = ${done.id} order by attempt`;
    expect(attempts).toEqual([
      { attempt: 1, http_status: 500, error_code: 'HTTP_ERROR' },
      { attempt: 2, http_status: 200, error_code: null },
    ]);
    await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
  });

  it('does not follow a redirect: a 3xx is a failed attempt, and the target gets nothing', async () => {
    const { endpoint } = await createEndpoint(stack, account, receiver.url('/moved'));
    receiver.redirectTo = receiver.url('/redirect-target');
    receiver.answerNext(302, 307, 308);
    const room = await addRoom(stack, account, 'whatsapp');
    const receipt = await invoke(stack, account, { actionId, conversationId: room });
    await waitForFinalSend(stack, account, receipt.sendId!);

    const failed = await waitForDeliveries(stack, account, endpoint.id, (d) => (d[0]?.status === 'FAILED' ? d[0] : undefined), 'FAILED after 3 attempts');
    expect(failed).toMatchObject({ attempts: 3, lastStatus: 308, lastErrorCode: 'REDIRECT', nextAttemptAt: null, deliveredAt: null });
    expect(failed.lastError).toContain('redirects are not followed');
    expect(receiver.on('/moved')).toHaveLength(3);
    expect(receiver.on('/redirect-target')).toHaveLength(0);
    await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
  });

  it('signs with the new secret after a rotation, and never returns a secret again', async () => {
    const first = await createEndpoint(stack, account, receiver.url('/rotated'));
    const rotated = await gql(account.tokens.ADMIN, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }`, { id: first.endpoint.id });
    const secret = rotated.data.rotateWebhookSecret.secret as string;
    secrets.push(secret);
    expect(secret).not.toBe(first.secret);
    const room = await addRoom(stack, account, 'whatsapp');
    const receipt = await invoke(stack, account, { actionId, conversationId: room });
    await waitForFinalSend(stack, account, receipt.sendId!);
    const [hit] = await waitFor(() => (receiver.on('/rotated').length > 0 ? receiver.on('/rotated') : undefined), { what: 'the webhook' });
    new Webhook(secret).verify(hit!.body, hit!.headers);
    expect(() => new Webhook(first.secret).verify(hit!.body, hit!.headers)).toThrow();

    // Stored sealed, not in clear; the schema has no field that reads it back.
    const rows = await stack.sql`select secret_sealed from webhook_endpoints where id = ${first.endpoint.id}`;
    expect(rows[0]!.secret_sealed).toMatch(/^v1\./);
    expect(rows[0]!.secret_sealed).not.toContain(secret.slice(6, 20));
    const listed = await gql(account.tokens.ADMIN, `{ webhookEndpoints { ${ENDPOINT_FIELDS} } }`);
    expect(JSON.stringify(listed.data)).not.toContain(secret);
    const probe = await gql(account.tokens.ADMIN, '{ webhookEndpoints { secret } }');
    expect(probe.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: first.endpoint.id });
  });

  it('gives a disabled endpoint no deliveries, and updates its events', async () => {
    const { endpoint } = await createEndpoint(stack, account, receiver.url('/disabled'));
    const updated = await gql(account.tokens.ADMIN, `mutation($id: ID!, $i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $i) { ${ENDPOINT_FIELDS} } }`, {
      id: endpoint.id,
      i: { enabled: false, events: ['ai_agent_attachment_sent'] },
    });
    expect(updated.data.updateWebhookEndpoint).toMatchObject({ enabled: false, events: ['ai_agent_attachment_sent'], url: receiver.url('/disabled') });
    const room = await addRoom(stack, account, 'whatsapp');
    const receipt = await invoke(stack, account, { actionId, conversationId: room });
    await waitForFinalSend(stack, account, receipt.sendId!);
    const [event] = await stack.sql`select id from events where account_id = ${account.accountId} and name = 'ai_agent_attachment_sent' and properties->>'send_id' = ${receipt.sendId}`;
    expect(event).toBeDefined();
    expect(await deliveriesOf(stack, account, endpoint.id)).toEqual([]);
    await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
  });

  it('pages the deliveries newest first', async () => {
    const { endpoint } = await createEndpoint(stack, account, receiver.url('/paged'), ['ai_agent_attachment_send_failed']);
    const instagram = await addRoom(stack, account, 'instagram');
    for (let i = 0; i < 3; i++) await invoke(stack, account, { actionId, conversationId: instagram, idempotencyKey: `page-${i}` });
    await waitForDeliveries(stack, account, endpoint.id, (d) => (d.length === 3 ? d : undefined), 'three deliveries');
    const PAGE = 'query($e: ID!, $a: String) { webhookDeliveries(endpointId: $e, first: 2, after: $a) { nodes { id eventId } pageInfo { hasNextPage endCursor } } }';
    const one = await gql(account.tokens.ADMIN, PAGE, { e: endpoint.id });
    expect(one.data.webhookDeliveries.nodes).toHaveLength(2);
    expect(one.data.webhookDeliveries.pageInfo.hasNextPage).toBe(true);
    const two = await gql(account.tokens.ADMIN, PAGE, { e: endpoint.id, a: one.data.webhookDeliveries.pageInfo.endCursor });
    expect(two.data.webhookDeliveries.nodes).toHaveLength(1);
    expect(two.data.webhookDeliveries.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    const ids = [...one.data.webhookDeliveries.nodes, ...two.data.webhookDeliveries.nodes].map((n: { eventId: string }) => Number(n.eventId));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
  });

  describe('tenant isolation', () => {
    it("answers NOT_FOUND for another account's endpoint, and lists none of it", async () => {
      const { endpoint } = await createEndpoint(stack, account, receiver.url('/mine'));
      const other = await stack.createAccount();
      const t = other.tokens.ADMIN;
      const attempts = [
        gql(t, 'query($e: ID!) { webhookDeliveries(endpointId: $e) { nodes { id } } }', { e: endpoint.id }),
        gql(t, 'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { id } }', { id: endpoint.id }),
        gql(t, 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', { id: endpoint.id }),
        gql(t, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id }),
      ];
      for (const res of await Promise.all(attempts)) expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const listed = await gql(t, '{ webhookEndpoints { id } }');
      expect(listed.data.webhookEndpoints).toEqual([]);
      const [row] = await stack.sql`select enabled, secret_sealed from webhook_endpoints where id = ${endpoint.id}`;
      expect(row!.enabled).toBe(true);
      await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
    });

    it("fans an event out to its own account's endpoints only", async () => {
      const other = await stack.createAccount();
      const theirs = await createEndpoint(stack, other, receiver.url('/theirs'));
      const mine = await createEndpoint(stack, account, receiver.url('/ours'), ['ai_agent_attachment_send_failed']);
      const instagram = await addRoom(stack, account, 'instagram');
      await invoke(stack, account, { actionId, conversationId: instagram, idempotencyKey: 'isolation' });
      await waitForDeliveries(stack, account, mine.endpoint.id, (d) => (d[0]?.status === 'DELIVERED' ? d : undefined), 'own delivery');
      expect(await deliveriesOf(stack, other, theirs.endpoint.id)).toEqual([]);
      expect(receiver.on('/theirs')).toHaveLength(0);
      await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: mine.endpoint.id });
    });
  });

  describe('hostile and invalid input', () => {
    const CREATE = 'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret } }';
    const refusal = async (input: Record<string, unknown>) => {
      const res = await gql(account.tokens.ADMIN, CREATE, { i: { events: ['ai_agent_attachment_sent'], ...input } });
      expect(res.data?.createWebhookEndpoint ?? null).toBeNull();
      return res.errors?.[0]?.extensions;
    };

    it.each([
      ['a NUL character', `http://127.0.0.1:1/a\u0000b`, 'INVALID_CHARACTERS'],
      ['a URL over 2048 characters', `https://example.com/${'a'.repeat(3000)}`, 'TOO_LONG'],
      ['a megabyte of URL', `https://example.com/${'x'.repeat(1_000_000)}`, 'TOO_LONG'],
      ['ftp://', 'ftp://example.com/hooks', 'INVALID_VALUE'],
      ['javascript:', 'javascript:alert(1)', 'INVALID_VALUE'],
      ['file://', 'file:///etc/passwd', 'INVALID_VALUE'],
      ['no scheme', 'example.com/hooks', 'INVALID_VALUE'],
      ['an empty URL', '   ', 'INVALID_VALUE'],
      ['credentials in the URL', 'https://user:pass@example.com/hooks', 'INVALID_VALUE'],
      ['a line break', 'https://example.com/a\nb', 'INVALID_VALUE'],
    ])('refuses %s with BAD_USER_INPUT', async (_what, url, reason) => {
      const ext = await refusal({ url });
      expect(ext).toMatchObject({ code: 'BAD_USER_INPUT', reason });
      if (reason !== 'INVALID_CHARACTERS') expect(ext?.field).toBe('url');
    });

    it('refuses unknown, empty and oversized event lists with BAD_USER_INPUT', async () => {
      expect(await refusal({ url: receiver.url(), events: ['ai_agent_send_attachment_action_created'] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
      expect(await refusal({ url: receiver.url(), events: ['x'.repeat(10_000)] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
      expect(await refusal({ url: receiver.url(), events: [] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
      expect(await refusal({ url: receiver.url(), events: Array.from({ length: 101 }, () => 'ai_agent_attachment_sent') })).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_VALUES' });
    });

    it('refuses a bad cursor, a bad page size and a malformed id without an internal error', async () => {
      const { endpoint } = await createEndpoint(stack, account, receiver.url('/cursor'));
      const LIST = 'query($e: ID!, $f: Int, $a: String) { webhookDeliveries(endpointId: $e, first: $f, after: $a) { nodes { id } } }';
      expect((await gql(account.tokens.ADMIN, LIST, { e: endpoint.id, a: 'not-a-cursor' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect((await gql(account.tokens.ADMIN, LIST, { e: endpoint.id, f: 0 })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      expect((await gql(account.tokens.ADMIN, LIST, { e: endpoint.id, f: 101 })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
      expect((await gql(account.tokens.ADMIN, LIST, { e: "'; drop table events; --" })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await gql(account.tokens.ADMIN, 'mutation { deleteWebhookEndpoint(id: "nope") }')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
    });

    it('refuses the endpoint over the per-account limit with TOO_MANY_ENDPOINTS', async () => {
      const crowded = await stack.createAccount();
      const made = await Promise.all(Array.from({ length: 20 }, (_, i) => createEndpoint(stack, crowded, receiver.url(`/n${i}`))));
      expect(made).toHaveLength(20);
      const res = await gql(crowded.tokens.ADMIN, CREATE, { i: { url: receiver.url('/one-more'), events: ['ai_agent_attachment_sent'] } });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_ENDPOINTS' });
      const [{ n }] = (await stack.sql`select count(*)::int as n from webhook_endpoints where account_id = ${crowded.accountId}`) as unknown as [{ n: number }];
      expect(n).toBe(20);
    });
  });

  describe('redelivery and retention', () => {
    const REDELIVER = `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { ${DELIVERY_FIELDS} } }`;

    /** A delivery that failed all its attempts (3 here): the receiver answered 503 to each. */
    async function failedDelivery(path: string) {
      const created = await createEndpoint(stack, account, receiver.url(path));
      receiver.answerNext(503, 503, 503);
      const room = await addRoom(stack, account, 'whatsapp');
      await waitForFinalSend(stack, account, (await invoke(stack, account, { actionId, conversationId: room })).sendId!);
      const failed = await waitForDeliveries(stack, account, created.endpoint.id, (d) => (d[0]?.status === 'FAILED' ? d[0] : undefined), 'FAILED after 3 attempts');
      return { ...created, failed };
    }

    it('tries a FAILED delivery once more with the same webhook-id, and it ends DELIVERED', async () => {
      const { secret, endpoint, failed } = await failedDelivery('/redeliver');
      const res = await gql(account.tokens.ADMIN, REDELIVER, { id: failed.id });
      expect(res.errors).toBeUndefined();
      expect(res.data.redeliverWebhook).toMatchObject({ id: failed.id, status: 'PENDING', attempts: 3 });
      const done = await waitForDeliveries(stack, account, endpoint.id, (d) => (d[0]?.status === 'DELIVERED' ? d[0] : undefined), 'DELIVERED');
      expect(done).toMatchObject({ attempts: 4, lastStatus: 200, lastErrorCode: null, nextAttemptAt: null });
      const hits = receiver.on('/redeliver');
      expect(hits.map((h) => h.answeredWith)).toEqual([503, 503, 503, 200]);
      expect(new Set(hits.map((h) => h.headers['webhook-id']))).toEqual(new Set([failed.webhookId]));
      new Webhook(secret).verify(hits[3]!.body, hits[3]!.headers);
      // A delivered one may be sent again too (a receiver that lost it).
      expect((await gql(account.tokens.ADMIN, REDELIVER, { id: failed.id })).errors).toBeUndefined();
      await waitFor(() => (receiver.on('/redeliver').length === 5 ? true : undefined), { what: 'the second redelivery' });
      await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
    });

    it('makes one attempt only: a redelivery that fails again ends FAILED with no retry', async () => {
      const { endpoint, failed } = await failedDelivery('/still-down');
      receiver.answerNext(503);
      expect((await gql(account.tokens.ADMIN, REDELIVER, { id: failed.id })).errors).toBeUndefined();
      const again = await waitForDeliveries(stack, account, endpoint.id, (d) => (d[0]?.status === 'FAILED' && d[0].attempts === 4 ? d[0] : undefined), 'FAILED again');
      expect(again).toMatchObject({ lastStatus: 503, nextAttemptAt: null });
      expect(await stack.sql`select 1 from pgboss.job where name = 'webhooks.deliver' and data->>'deliveryId' = ${failed.id} and state in ('created', 'retry', 'active')`).toHaveLength(0);
      expect(receiver.on('/still-down')).toHaveLength(4);
      await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
    });

    it('refuses a pending delivery, a turned-off endpoint and an unknown id, and changes nothing', async () => {
      const { endpoint, failed } = await failedDelivery('/refusals');
      await stack.sql`update webhook_deliveries set status = 'PENDING' where id = ${failed.id}`;
      const pending = await gql(account.tokens.ADMIN, REDELIVER, { id: failed.id });
      expect(pending.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(pending.errors?.[0]?.message).toContain('still being attempted');
      await stack.sql`update webhook_deliveries set status = 'FAILED' where id = ${failed.id}`;

      await gql(account.tokens.ADMIN, 'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { id } }', { id: endpoint.id });
      const off = await gql(account.tokens.ADMIN, REDELIVER, { id: failed.id });
      expect(off.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(off.errors?.[0]?.message).toContain('turned off');
      for (const id of ['not-a-uuid', '00000000-0000-0000-0000-000000000000']) {
        expect((await gql(account.tokens.ADMIN, REDELIVER, { id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      const [row] = await stack.sql`select status, attempts from webhook_deliveries where id = ${failed.id}`;
      expect(row).toEqual({ status: 'FAILED', attempts: 3 });
      expect(receiver.on('/refusals')).toHaveLength(3);
      await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
    });

    it('removes finished deliveries past WEBHOOK_RETENTION_DAYS with their attempts, and keeps pending ones however old', async () => {
      const { endpoint, failed } = await failedDelivery('/retention');
      const [pending] = await stack.sql`insert into webhook_deliveries (account_id, endpoint_id, event_id, event_name, status, enqueued_at)
        select account_id, endpoint_id, event_id + 1000000, event_name, 'PENDING', now() from webhook_deliveries where id = ${failed.id} returning id`;
      const { webhooks } = stack.server.services;
      // 29 days on: nothing is old enough yet (the default keeps 30 days).
      await webhooks.removeExpiredDeliveries(new Date(Date.now() + 29 * 86_400_000));
      expect(await stack.sql`select 1 from webhook_deliveries where id = ${failed.id}`).toHaveLength(1);
      await webhooks.removeExpiredDeliveries(new Date(Date.now() + 31 * 86_400_000));
      expect(await stack.sql`select 1 from webhook_deliveries where id = ${failed.id}`).toHaveLength(0);
      expect(await stack.sql`select 1 from webhook_attempts where delivery_id = ${failed.id}`).toHaveLength(0);
      expect(await stack.sql`select 1 from webhook_deliveries where id = ${pending!.id}`).toHaveLength(1);
      await gql(account.tokens.ADMIN, 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: endpoint.id });
    });
  });

  it('never writes a signing secret to the log', () => {
    // The log has the run's requests and attempts in it (so this looks at something), and no secret.
    expect(log.text).toContain('webhooks.attempt_failed');
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(log.text).not.toContain(secret);
      expect(log.text).not.toContain(secret.slice('whsec_'.length));
    }
    expect(log.text).not.toContain('whsec_');
  });
});
