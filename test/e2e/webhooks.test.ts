import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../server/src/accounts/roles.js';
import { FILES } from '../support/files.js';
import { addRoom, invoke, waitFor } from '../support/sends.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createTrainedAction } from '../support/factories.js';

/** Settings → Webhooks: an ADMIN adds an endpoint, copies its secret once, and sees its deliveries. */
describe('webhooks page (browser)', () => {
  let world: AdminStack;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    world = await startAdminStack({
      serverEnv: { WEBHOOK_ALLOW_HTTP: 'on', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_RELAY_POLL_MS: '100', WORKER_POLL_MS: '100' },
    });
    receiver = await new WebhookReceiver().start();
  });
  afterEach(() => world?.closeContexts());
  afterAll(async () => {
    await receiver?.stop();
    await world?.stop();
  });

  it('adds an endpoint, shows the secret once, and lists the delivery of a failed send', async () => {
    const account = await world.stack.createAccount();
    const action = await createTrainedAction(world.stack, account, { files: [{ name: 'price-list.pdf', content: FILES.pdf(1024) }] });
    const { page } = await world.openLibrary(account, Role.ADMIN);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No endpoints yet.').waitFor();

    // The server's words for a bad URL, under the field.
    const url = page.getByRole('textbox', { name: /Endpoint URL/ });
    await url.fill('ftp://example.com/hooks');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('The URL must start with https://').waitFor();

    await url.fill(receiver.url('/browser'));
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Endpoint added' });
    await dialog.waitFor();
    const secret = (await dialog.getByTestId('webhook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await world.settle(page);
    await world.screenshot(page, 'settings-webhooks-secret');
    await dialog.getByRole('button', { name: 'Done' }).click();
    const row = page.getByTestId('webhook-endpoint');
    await row.getByText(receiver.url('/browser')).waitFor();
    // Shown once: nowhere on the page any more.
    expect(await page.getByText(secret).count()).toBe(0);

    const instagram = await addRoom(world.stack, account, 'instagram');
    await invoke(world.stack, account, { actionId: action.id, conversationId: instagram });
    const [hit] = await waitFor(() => (receiver.on('/browser').length ? receiver.on('/browser') : undefined), { what: 'the webhook' });
    expect(new Webhook(secret).verify(hit!.body, hit!.headers)).toMatchObject({ type: 'ai_agent_attachment_send_failed', data: { reason: 'channel_unsupported' } });

    await page.getByRole('button', { name: `Deliveries to ${receiver.url('/browser')}` }).click();
    const delivery = page.getByTestId('webhook-delivery');
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return (await delivery.count()) === 1 && (await delivery.getByText('Delivered').count()) === 1 ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'the delivery to show as Delivered' },
    );
    await expect(delivery.textContent()).resolves.toContain('ai_agent_attachment_send_failed');
    await expect(delivery.textContent()).resolves.toContain(hit!.headers['webhook-id']);
    await world.screenshot(page, 'settings-webhooks');

    // Redeliver: one more attempt now, the same webhook-id, and the row follows it to its answer.
    const redeliver = delivery.getByRole('button', { name: `Redeliver ai_agent_attachment_send_failed ${hit!.headers['webhook-id']}` });
    await redeliver.focus();
    await page.keyboard.press('Enter');
    // exact: the toast's screen-reader announcement ("Notification Sent again…") matches a substring too.
    await page.getByRole('region', { name: /Notifications/ }).getByText('Sent again', { exact: true }).waitFor();
    const [, again] = await waitFor(() => (receiver.on('/browser').length === 2 ? receiver.on('/browser') : undefined), { what: 'the redelivery' });
    expect(again!.headers['webhook-id']).toBe(hit!.headers['webhook-id']);
    new Webhook(secret).verify(again!.body, again!.headers);
    await waitFor(
      async () => ((await delivery.locator('td').nth(1).textContent())?.trim() === '2' && (await delivery.getByText('Delivered').count()) === 1 ? true : undefined),
      { timeoutMs: 20_000, intervalMs: 250, what: 'the row to show the second attempt, delivered' },
    );
  });
});
