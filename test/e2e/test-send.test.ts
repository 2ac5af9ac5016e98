import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../server/src/accounts/roles.js';
import { addRoom, simulatorOf, waitFor } from '../support/sends.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction } from '../support/factories.js';

/** Issue 13 item 14 in the admin: an admin lists test conversations, a builder sends a test from the drawer. */
describe('Send a test (browser)', () => {
  let world: AdminStack;

  beforeAll(async () => {
    world = await startAdminStack({ serverEnv: { WORKER_POLL_MS: '100' } });
  });
  afterEach(async () => {
    await world?.closeContexts();
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('an admin adds a test conversation; a builder sends the saved action there from the drawer; the history marks it, the dashboard leaves it out', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Price list' });
    const room = await addRoom(world.stack, account, 'whatsapp');

    // Settings → Test conversations, as the admin.
    const admin = await world.open({ as: account.tokens[Role.ADMIN] });
    await admin.page.goto('/settings/tokens');
    await admin.page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Test conversations' }).click();
    await admin.page.getByTestId('test-conversations-empty').waitFor();
    const form = admin.page.getByRole('form', { name: 'Add a test conversation' });
    await form.getByLabel('Conversation id').fill('no-such-room');
    await form.getByLabel('Name').fill('QA WhatsApp');
    await form.getByRole('button', { name: 'Add' }).click();
    await form.getByText('ChatService has no conversation with this id for this account.', { exact: false }).waitFor();
    await form.getByLabel('Conversation id').fill(room);
    await form.getByRole('button', { name: 'Add' }).click();
    const row = admin.page.getByRole('table', { name: 'Test conversations' }).getByRole('row', { name: /QA WhatsApp/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('WhatsApp');
    expect(await row.textContent()).toContain(room);
    await world.screenshot(admin.page, 'settings-test-conversations');

    // The drawer, as a bot manager.
    const { page } = await world.openLibrary(account, Role.BOT_MANAGER);
    await page.getByRole('button', { name: 'Edit Price list' }).click();
    const drawer = page.getByRole('dialog', { name: /Price list/ });
    const test = drawer.getByTestId('test-send');
    await test.getByRole('button', { name: 'Send a test' }).waitFor();
    expect(await test.textContent()).toContain('QA WhatsApp (WhatsApp)');
    // An unsaved change is not what a test would send.
    await drawer.getByRole('textbox', { name: 'Action name' }).fill('Price list 2027');
    await test.getByText('Save your changes first: a test sends the saved action.').waitFor();
    expect(await test.getByRole('button', { name: 'Send a test' }).isDisabled()).toBe(true);
    await drawer.getByRole('textbox', { name: 'Action name' }).fill('Price list');
    await test.getByRole('button', { name: 'Send a test' }).click();
    await test.getByTestId('test-send-outcome').getByText('Delivered to “QA WhatsApp”.').waitFor();
    await world.screenshot(page, 'drawer-test-send');
    const inbox = await waitFor(async () => {
      const messages = await simulatorOf(world.stack).inbox(room);
      return messages.length ? messages : undefined;
    });
    expect(inbox.map((m) => m.fileName)).toEqual(['price-list.pdf']);

    await test.getByRole('link', { name: 'See the send' }).click();
    await page.getByRole('heading', { name: /^Send of / }).waitFor();
    await page.getByText('Test send: not counted in the dashboard').waitFor();

    await page.goto('/history');
    const sends = page.getByRole('table', { name: 'Sends, newest first' }).locator('tbody tr');
    await sends.first().getByText('Test', { exact: true }).waitFor();
    // The account's only send is a test: the dashboard has no finished send to show.
    await page.goto('/dashboard');
    await page.getByTestId('dashboard-empty').getByText('No finished sends in this range').waitFor();
  });

  it('tells a builder without test conversations who can add them', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Brochure' });
    const { page } = await world.openLibrary(account, Role.BOT_MANAGER);
    await page.getByRole('button', { name: 'Edit Brochure' }).click();
    const test = page.getByRole('dialog', { name: /Brochure/ }).getByTestId('test-send');
    await test.getByText('No test conversations yet. An admin can add them under Settings → Test conversations.').waitFor();
    expect(await test.getByRole('button', { name: 'Send a test' }).count()).toBe(0);
  });
});
