import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../server/src/infra/log/logger.js';
import { secretBoxFor } from '../server/src/infra/secrets/secrets.js';
import { WebhookDelivery, type WebhookJob } from '../server/src/webhooks/webhooks.delivery.js';
import { WebhookSecrets } from '../server/src/webhooks/webhook-secrets.js';
import { WebhookDeliveryStatus } from '../server/src/webhooks/webhooks.model.js';
import { WebhooksRepository } from '../server/src/webhooks/webhooks.repository.js';
import { FILES } from './support/files.js';
import { addRoom, invoke, waitFor } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createEndpoint, WebhookReceiver } from './support/webhook-receiver.js';
import { createTrainedAction } from './support/factories.js';

/**
 * What pg-boss's at-least-once execution can do to an attempt, played step by step on the real
 * database: a duplicate run of an attempt already recorded, a worker that claimed an attempt
 * and died, and the dead run coming back to record late. The server runs no webhook worker
 * here (WEBHOOK_CONCURRENCY=0), so this test alone runs the handler.
 */
describe('webhook attempts under duplicate and crashed runs', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let account: TestAccount;
  let delivery: WebhookDelivery;
  let repo: WebhooksRepository;

  beforeAll(async () => {
    stack = await startTestStack({ WEBHOOK_CONCURRENCY: '0', WEBHOOK_ALLOW_HTTP: 'on', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_RETRY_DELAY_SECONDS: '1' });
    receiver = await new WebhookReceiver().start();
    account = await stack.createAccount();
    repo = new WebhooksRepository(stack.server.database.db);
    delivery = new WebhookDelivery({
      database: stack.server.database,
      webhooks: repo,
      secrets: new WebhookSecrets(secretBoxFor(stack.config)),
      queue: stack.server.queue,
      settings: stack.config.webhooks,
      log: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await receiver?.stop();
    await stack?.stop();
  });

  const job = (deliveryId: string, attempt: number, retryCount: number) =>
    ({ id: `job-${attempt}-${retryCount}`, name: 'webhooks.deliver', data: { deliveryId, accountId: account.accountId, attempt }, retryCount }) as unknown as WebhookJob;
  const row = async (id: string) => (await stack.sql`select status, attempts, in_flight, next_attempt_at from webhook_deliveries where id = ${id}`)[0]!;
  const queuedAttempts = async (id: string) =>
    (await stack.sql`select (data->>'attempt')::int as attempt from pgboss.job where name = 'webhooks.deliver' and data->>'deliveryId' = ${id} order by 1`).map((r) => r.attempt as number);

  it('sends each attempt once per run that owns it, under one webhook-id, and never schedules two next attempts', async () => {
    const { secret } = await createEndpoint(stack, account, receiver.url('/alo'), ['ai_agent_attachment_send_failed']);
    const action = await createTrainedAction(stack, account, { files: [{ name: 'a.pdf', content: FILES.pdf(900) }] });
    await invoke(stack, account, { actionId: action.id, conversationId: await addRoom(stack, account, 'instagram') });
    const [{ id }] = (await waitFor(async () => {
      const rows = await stack.sql`select id from webhook_deliveries where account_id = ${account.accountId}`;
      return rows.length === 1 ? rows : undefined;
    }, { what: 'the outbox row' })) as unknown as [{ id: string }];
    // Written by the trigger with the event, not queued yet (no relay runs in this server).
    expect(await row(id)).toMatchObject({ status: 'PENDING', attempts: 0, in_flight: false });

    // Attempt 1 fails (500) and schedules attempt 2.
    receiver.answerNext(500);
    expect((await delivery.handle(job(id, 1, 0))).output).toMatchObject({ status: 'PENDING', attempt: 1, httpStatus: 500 });
    expect(await row(id)).toMatchObject({ status: 'PENDING', attempts: 1, in_flight: false });
    expect(await queuedAttempts(id)).toEqual([2]);

    // A duplicate run of attempt 1, as a fresh or a retried job: nothing is sent or scheduled.
    expect((await delivery.handle(job(id, 1, 0))).output).toEqual({ status: 'SKIPPED' });
    expect((await delivery.handle(job(id, 1, 1))).output).toEqual({ status: 'SKIPPED' });
    expect(receiver.on('/alo')).toHaveLength(1);

    // A worker claims attempt 2 and dies before recording it.
    expect(await repo.claimAttempt(id, 2, false)).toBe(true);
    expect(await row(id)).toMatchObject({ attempts: 2, in_flight: true });
    // Another copy of the job that is not pg-boss's retry cannot take it over.
    expect((await delivery.handle(job(id, 2, 0))).output).toEqual({ status: 'SKIPPED' });
    // pg-boss's retry of the dead run (retryCount 1) takes over the same attempt and delivers.
    expect((await delivery.handle(job(id, 2, 1))).output).toMatchObject({ status: 'DELIVERED', attempt: 2, httpStatus: 200 });
    expect(await row(id)).toMatchObject({ status: 'DELIVERED', attempts: 2, in_flight: false, next_attempt_at: null });

    // The dead run comes back and records late: refused, so nothing is scheduled after a delivery.
    const late = await repo.recordAttempt(account.accountId, id, 2, {
      httpStatus: 500, errorCode: null, error: null, responseExcerpt: null, durationMs: 1, status: WebhookDeliveryStatus.PENDING, nextAttemptAt: new Date(),
    });
    expect(late).toBe(false);
    expect(await row(id)).toMatchObject({ status: 'DELIVERED' });
    expect(await queuedAttempts(id)).toEqual([2]);

    const hits = receiver.on('/alo');
    expect(hits).toHaveLength(2);
    expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(1);
    for (const hit of hits) new Webhook(secret).verify(hit.body, hit.headers);
    const attempts = await stack.sql`select attempt, http_status from webhook_attempts where delivery_id = ${id} order by id`;
    expect(attempts).toEqual([
      { attempt: 1, http_status: 500 },
      { attempt: 2, http_status: 200 },
    ]);
  });
});
