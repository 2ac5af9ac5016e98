import dns from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/src/infra/config/config.js';
import type { LookupFunction } from '../server/src/infra/http/outbound-guard.js';
import { FILES } from './support/files.js';
import { addRoom, invoke } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createEndpoint, waitForDeliveries } from './support/webhook-receiver.js';
import { createTrainedAction } from './support/factories.js';

/**
 * The server as deployed: https only, public addresses only (both test switches off). Names
 * resolve through a resolver that answers what a hostile DNS would (127.0.0.1 for every name),
 * so a delivery to a public-looking name must be refused by the guard at connect time.
 */
describe('account webhooks with the address guard on', () => {
  let stack: TestStack;
  let account: TestAccount;
  let actionId: string;
  const lookups: string[] = [];
  const hostile = ((host: string, options: dns.LookupOptions, callback: (e: Error | null, a: dns.LookupAddress[] | string, f?: number) => void) => {
    lookups.push(host);
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  }) as LookupFunction;

  beforeAll(async () => {
    stack = await startTestStack(
      { WEBHOOK_RETRY_DELAY_SECONDS: '0', WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_RELAY_POLL_MS: '100', WORKER_POLL_MS: '100' },
      { webhookLookup: hostile },
    );
    account = await stack.createAccount();
    actionId = (await createTrainedAction(stack, account, { files: [{ name: 'price-list.pdf', content: FILES.pdf(1024) }] })).id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const create = (url: string) =>
    stack.client.query(account.tokens.ADMIN, 'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret } }', {
      i: { url, events: ['ai_agent_attachment_send_failed'] },
    });

  it.each([
    ['http://hooks.example.com/in', 'https://'],
    ['https://127.0.0.1/in', 'loopback'],
    ['https://[::ffff:127.0.0.1]/in', 'loopback'],
    ['https://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['https://[fd00:ec2::254]/', 'uniqueLocal'],
    ['https://192.168.0.10/', 'private'],
    ['https://localhost:8443/', 'local name'],
  ])('refuses to register %s with BAD_USER_INPUT', async (url, words) => {
    const res = await create(url);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url', reason: 'INVALID_VALUE' });
    expect(res.errors?.[0]?.message).toContain(words);
  });

  it('refuses the delivery when a public name resolves to loopback, and records why', async () => {
    const { endpoint } = await createEndpoint(stack, account, 'https://hooks.example.com/in', ['ai_agent_attachment_send_failed']);
    const instagram = await addRoom(stack, account, 'instagram');
    await invoke(stack, account, { actionId, conversationId: instagram });
    const failed = await waitForDeliveries(stack, account, endpoint.id, (d) => (d[0]?.status === 'FAILED' ? d[0] : undefined), 'FAILED');
    expect(failed).toMatchObject({ attempts: 2, lastStatus: null, lastErrorCode: 'ADDRESS_FORBIDDEN', deliveredAt: null, nextAttemptAt: null });
    expect(failed.lastError).toBe('hooks.example.com resolved to 127.0.0.1 is a loopback address');
    expect(lookups.filter((h) => h === 'hooks.example.com')).toHaveLength(2);
  });

  it('refuses the test switches under NODE_ENV=production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_ALLOW_HTTP: 'on' })).toThrow(
      /WEBHOOK_ALLOW_HTTP=on is for local tests only[\s\S]*WEBHOOK_ALLOW_PRIVATE_ADDRESSES=on is for local tests only/,
    );
    expect(loadConfig({ NODE_ENV: 'production' }).webhooks).toMatchObject({ allowHttp: false, allowPrivateAddresses: false });
  });
});
