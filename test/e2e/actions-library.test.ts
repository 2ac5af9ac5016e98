import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Role, SEND_ATTACHMENT_FLAG } from '../../server/src/accounts/roles.js';
import { startAdmin } from '../../server/src/infra/admin/admin-process.js';
import { createLogger } from '../../server/src/infra/log/logger.js';
import { invoke } from '../support/sends.js';
import { freePort, startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction, listActions } from '../support/factories.js';
import { recordSends } from '../support/generated-sends.js';

/** S03 (enable/disable, train, flag gating) and the library, sign-in and read-only views of S01. */
describe('Actions library (browser)', () => {
  let world: AdminStack;

  beforeAll(async () => {
    world = await startAdminStack();
  });
  afterEach(async () => {
    await world?.closeContexts();
  });
  afterAll(async () => {
    await world?.stop();
  });

  async function agentTools(token: string, agentId: string) {
    const res = await world.stack.client.query(token, `query ($a: ID!) { agentTools(agentId: $a) { version tools } }`, { a: agentId });
    return res.data.agentTools as { version: number; tools: { function: { name: string } }[] };
  }

  it('signs in with an API token, shows the account and role, and signs out', async () => {
    const account = await world.stack.createAccount();
    const { page } = await world.open();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in to the AI Agent admin' }).waitFor();

    await page.getByLabel('API token').fill('sat_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The server's message, not one of ours.
    const refusal = page.getByText(/token/i).and(page.locator('[id$="-error"]'));
    await refusal.waitFor();
    await world.screenshot(page, 'sign-in-refused');
    // The page says where tokens come from, not how the demo is started.
    expect(await page.getByRole('main').textContent()).not.toContain('pnpm');

    // The AI service's token is valid but opens nothing: refused with why, and not kept.
    await page.getByLabel('API token').fill(account.tokens.AI_SERVICE);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/^This is the AI service's token/).and(page.locator('[id$="-error"]')).waitFor();
    await page.goto(`/agents/${account.agentId}`);
    await page.getByRole('heading', { name: 'Sign in to the AI Agent admin' }).waitFor();

    await page.getByLabel('API token').fill(account.tokens.BOT_MANAGER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Actions', level: 1 }).waitFor();
    const session = page.getByTestId('session');
    await session.getByText('Role: BOT_MANAGER').waitFor();
    expect(await session.textContent()).toContain(`Account: ${await accountName(account.accountId)}`);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the AI Agent admin' }).waitFor();
    await page.goto(`/agents/${account.agentId}`);
    await page.getByRole('heading', { name: 'Sign in to the AI Agent admin' }).waitFor();
  });

  it('shows a builder the empty state with Add action', async () => {
    const account = await world.stack.createAccount();
    const { page } = await world.openLibrary(account);
    await page.getByRole('heading', { name: 'No actions yet' }).waitFor();
    // The buttons come with the catalog's answer, which may arrive after the heading.
    const add = page.getByRole('button', { name: 'Add action' });
    await add.nth(1).waitFor();
    expect(await add.count()).toBe(2);
    const training = page.getByRole('group', { name: 'Training' });
    await training.getByText('Not trained yet').waitFor();
    // Nothing trained and nothing to train: no "Up to date" beside "Not trained yet".
    expect(await training.textContent()).not.toContain('Up to date');
    await world.screenshot(page, 'library-empty');
  });

  it('lists each action with its type, status, file count, usage and last update', async () => {
    const account = await world.stack.createAccount();
    const prices = await createAction(world.stack, account, { name: 'Price list' });
    await createAction(world.stack, account, {
      name: 'Product photos',
      trigger: 'When a customer wants to see what a product looks like.',
      enabled: false,
      files: [
        { name: 'sofa.png', content: (await import('../support/files.js')).FILES.png() },
        { name: 'chair.jpg', content: (await import('../support/files.js')).FILES.jpg() },
      ],
    });
    await recordSends(world.stack, account, prices.id, { sent: 12, failed: 1 });
    const { page } = await world.openLibrary(account);

    const row = page.getByRole('row', { name: /Price list/ });
    await row.waitFor();
    const text = await row.textContent();
    expect(text).toContain('Send Attachment');
    expect(text).toContain('1 file');
    expect(text).toContain('12 sent · 1 failed');
    expect(text).toMatch(/Last sent \w{3} \d{1,2}, \d{4}/);
    expect(await row.getByRole('switch', { name: 'Enabled: Price list' }).getAttribute('aria-checked')).toBe('true');

    const photos = page.getByRole('row', { name: /Product photos/ });
    expect(await photos.textContent()).toContain('2 files');
    expect(await photos.textContent()).toContain('Never sent');
    expect(await photos.getByRole('switch', { name: 'Enabled: Product photos' }).getAttribute('aria-checked')).toBe('false');
    await page.getByText('Changes waiting for training').waitFor();
    await world.screenshot(page, 'library');
  });

  /** The names of the library's rows, top to bottom. */
  async function shownNames(page: Page) {
    const names = page.getByRole('table', { name: 'Actions of this agent' }).locator('tbody tr').getByRole('button', { name: /^Edit / });
    return (await names.allTextContents()).map((n) => n.trim());
  }

  it('finds actions by name or trigger in any case, and says when none match, with Clear search', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Price list' });
    await createAction(world.stack, account, { name: 'Product photos', trigger: 'When a customer wants to see what a product looks like.' });
    await createAction(world.stack, account, { name: 'Catalog', trigger: 'When a customer asks for the full catalogue.' });
    const { page } = await world.openLibrary(account);
    await page.getByRole('row', { name: /Catalog/ }).waitFor();
    const search = page.getByRole('search', { name: 'Find actions' }).getByRole('searchbox', { name: 'Search actions' });
    const found = page.getByTestId('actions-found');

    await search.fill('PHOTOS');
    await found.getByText('1 of 3 actions match.').waitFor();
    expect(await shownNames(page)).toEqual(['Product photos']);
    // The trigger is searched too.
    await search.fill('Looks Like');
    await found.getByText('1 of 3 actions match.').waitFor();
    expect(await shownNames(page)).toEqual(['Product photos']);
    await search.fill('  PRICE ');
    await found.getByText('1 of 3 actions match.').waitFor();
    expect(await shownNames(page)).toEqual(['Price list']);

    await search.fill('brochure');
    const none = page.getByTestId('actions-no-match');
    await none.getByRole('heading', { name: 'No actions match “brochure”' }).waitFor();
    expect(await found.textContent()).toContain('0 of 3 actions match.');
    expect(await page.getByRole('table', { name: 'Actions of this agent' }).count()).toBe(0);
    await world.screenshot(page, 'library-no-match');

    // By keyboard: Clear search shows every action again and puts the focus back in the search.
    await none.getByRole('button', { name: 'Clear search' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('row', { name: /Price list/ }).waitFor();
    expect(await shownNames(page)).toEqual(['Catalog', 'Price list', 'Product photos']);
    expect(await search.inputValue()).toBe('');
    // A string, as these tests compile without the DOM's types.
    expect(await page.evaluate(`document.activeElement?.getAttribute('aria-label')`)).toBe('Search actions');
    expect((await found.textContent())!.trim()).toBe('');
  });

  it('sorts by name, by the last update and by use, from the mouse or the keyboard', async () => {
    const account = await world.stack.createAccount();
    const beta = await createAction(world.stack, account, { name: 'beta sheet', trigger: 'When a customer asks for the beta.' });
    const alpha = await createAction(world.stack, account, { name: 'Alpha brochure', trigger: 'When a customer asks for the alpha.' });
    const gamma = await createAction(world.stack, account, { name: 'Gamma guide', trigger: 'When a customer asks for the gamma.' });
    const updated = { [beta.id]: 0, [alpha.id]: 1, [gamma.id]: 2 };
    for (const [id, daysAgo] of Object.entries(updated)) {
      await world.stack.sql`update actions set updated_at = now() - make_interval(days => ${daysAgo}) where id = ${id}`;
    }
    await recordSends(world.stack, account, gamma.id, { sent: 5, failed: 0 });
    await recordSends(world.stack, account, alpha.id, { sent: 1, failed: 2 });
    const { page } = await world.openLibrary(account);
    await page.getByRole('row', { name: /Gamma guide/ }).waitFor();

    // Name A–Z by default, whatever the case.
    const sort = page.getByRole('combobox', { name: 'Sort by' });
    expect(await sort.textContent()).toContain('Name (A–Z)');
    expect(await shownNames(page)).toEqual(['Alpha brochure', 'beta sheet', 'Gamma guide']);

    await sort.click();
    await page.getByRole('option', { name: 'Recently updated' }).click();
    await expect.poll(() => shownNames(page)).toEqual(['beta sheet', 'Alpha brochure', 'Gamma guide']);

    await sort.focus();
    await page.keyboard.press('Enter');
    // The list takes the focus (on the chosen option) once it has opened.
    await expect.poll(() => page.evaluate(`document.activeElement?.textContent`)).toBe('Recently updated');
    await page.keyboard.press('ArrowDown');
    // Reka moves the focus a tick later; a key pressed before then lands on the old option.
    await expect.poll(() => page.evaluate(`document.activeElement?.textContent`)).toBe('Most used');
    await page.keyboard.press('Enter');
    await expect.poll(() => sort.textContent()).toContain('Most used');
    // Gamma 5 sends, Alpha 3 (1 sent, 2 failed), beta none.
    await expect.poll(() => shownNames(page)).toEqual(['Gamma guide', 'Alpha brochure', 'beta sheet']);
    await world.screenshot(page, 'library-sorted');

    // The search keeps the order chosen.
    await page.getByRole('searchbox', { name: 'Search actions' }).fill('when a customer asks');
    await page.getByTestId('actions-found').getByText('3 of 3 actions match.').waitFor();
    expect(await shownNames(page)).toEqual(['Gamma guide', 'Alpha brochure', 'beta sheet']);
  });

  it("links an action's usage to the history of its sends, conversation ids plain without CHAT_SERVICE_CONVERSATION_URL", async () => {
    const account = await world.stack.createAccount();
    const prices = await createAction(world.stack, account, { name: 'Price list' });
    const photos = await createAction(world.stack, account, { name: 'Product photos', trigger: 'When a customer wants to see a product.' });
    await recordSends(world.stack, account, prices.id, { sent: 4, failed: 1 });
    await recordSends(world.stack, account, photos.id, { sent: 2, failed: 0 });
    const { page } = await world.openLibrary(account);

    await page.getByRole('link', { name: '4 sent · 1 failed: show the sends of Price list' }).click();
    await page.getByRole('heading', { name: 'Send history', level: 1 }).waitFor();
    expect(new URL(page.url()).searchParams.get('actionId')).toBe(prices.id);
    await page.getByTestId('history-count').getByText('5 sends match the filters.').waitFor();
    await expect.poll(() => page.getByRole('combobox', { name: 'Action' }).textContent()).toContain('Price list');
    const rows = page.getByRole('table', { name: 'Sends, newest first' }).locator('tbody tr');
    expect(await rows.count()).toBe(5);
    for (const text of await rows.allTextContents()) expect(text).toContain('Price list');
    // No template configured: the ids are text, not links.
    expect(await rows.first().textContent()).toMatch(/conv-\d+/);
    expect(await rows.getByRole('link', { name: /opens in ChatService/ }).count()).toBe(0);
    expect(await page.locator('a[target="_blank"]').count()).toBe(0);

    // Back in the library, the other action's figure leads to its own sends.
    await page.goBack();
    await page.getByRole('link', { name: '2 sent · 0 failed: show the sends of Product photos' }).click();
    await page.getByTestId('history-count').getByText('2 sends match the filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('actionId')).toBe(photos.id);
  });

  it('S03 AC-1: enabling an action and training makes it a callable tool, with the trained version shown', async () => {
    const account = await world.stack.createAccount();
    const action = await createAction(world.stack, account, { name: 'Brochure', enabled: false });
    const { page } = await world.openLibrary(account);

    await page.getByRole('switch', { name: 'Enabled: Brochure' }).click();
    await page.getByText('“Brochure” enabled', { exact: true }).waitFor();
    expect((await listActions(world.stack, account))[0]!.enabled).toBe(true);
    await page.getByText('Changes waiting for training').waitFor();

    await page.getByRole('button', { name: 'Train' }).click();
    await page.getByText('Agent trained: version 1', { exact: true }).waitFor();
    await page.getByText('Up to date').waitFor();
    expect(await page.getByRole('group', { name: 'Training' }).textContent()).toContain('Trained version 1');
    const tools = await agentTools(account.tokens.ADMIN, account.agentId);
    expect(tools.tools.map((t) => t.function.name)).toEqual([expect.stringMatching(/^qontak_send_attachment/)]);
    expect(action.id).toBeTruthy();
    await world.screenshot(page, 'library-trained');
  });

  it('S03 AC-2: disabling or deleting (after confirming) and re-training removes the tool', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Brochure' });
    const catalog = await createAction(world.stack, account, { name: 'Catalog', trigger: 'When a customer asks for the full catalog.' });
    const { page } = await world.openLibrary(account);
    await page.getByRole('button', { name: 'Train' }).click();
    await page.getByText('Agent trained: version 1', { exact: true }).waitFor();
    expect((await agentTools(account.tokens.ADMIN, account.agentId)).tools).toHaveLength(2);

    await page.getByRole('switch', { name: 'Enabled: Brochure' }).click();
    await page.getByText('“Brochure” disabled', { exact: true }).waitFor();
    await page.getByText('Changes waiting for training').waitFor();

    await page.getByRole('button', { name: 'Delete Catalog' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Catalog”?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('the agent stops sending them at once');
    await world.screenshot(page, 'library-delete-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await listActions(world.stack, account)).toHaveLength(2);

    await page.getByRole('button', { name: 'Delete Catalog' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete action' }).click();
    await page.getByText('“Catalog” deleted', { exact: true }).waitFor();
    await page.getByRole('row', { name: /Catalog/ }).waitFor({ state: 'detached' });
    expect((await listActions(world.stack, account)).map((a) => a.name)).toEqual(['Brochure']);
    // As the dialog said: refused at once, before any retraining.
    expect(await invoke(world.stack, account, { actionId: catalog.id, conversationId: 'any-room' })).toMatchObject({ status: 'REJECTED', reason: 'NOT_FOUND' });

    await page.getByRole('button', { name: 'Train' }).click();
    await page.getByText('Agent trained: version 2', { exact: true }).waitFor();
    expect((await agentTools(account.tokens.ADMIN, account.agentId)).tools).toEqual([]);
  });

  it('keeps the focus on the list after a delete: Cancel returns to the row, a delete moves to the next row, then the previous, then Add action', async () => {
    const account = await world.stack.createAccount();
    for (const name of ['Alpha', 'Bravo', 'Charlie']) await createAction(world.stack, account, { name });
    const { page } = await world.openLibrary(account);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim());
    const deleteByKeyboard = async (name: string) => {
      await page.getByRole('button', { name: `Delete ${name}` }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: `Delete “${name}”?` });
      await dialog.getByRole('button', { name: 'Delete action' }).focus();
      await page.keyboard.press('Enter');
      await page.getByText(`“${name}” deleted`, { exact: true }).waitFor();
      await dialog.waitFor({ state: 'hidden' });
    };

    await page.getByRole('button', { name: 'Delete Bravo' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Delete “Bravo”?' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await expect.poll(focused).toBe('Delete Bravo');

    await deleteByKeyboard('Bravo');
    await expect.poll(focused).toBe('Edit Charlie');
    await deleteByKeyboard('Charlie');
    await expect.poll(focused).toBe('Edit Alpha');
    await deleteByKeyboard('Alpha');
    await page.getByRole('heading', { name: 'No actions yet' }).waitFor();
    await expect.poll(focused).toBe('Add action');
    expect(await listActions(world.stack, account)).toEqual([]);
  });

  it('offers Send Attachment in Add action while the flag is on', async () => {
    const account = await world.stack.createAccount();
    const { page } = await world.openLibrary(account);
    await page.getByRole('button', { name: 'Add action' }).first().click();
    const picker = page.getByRole('dialog', { name: 'Add action' });
    await picker.getByRole('button', { name: /Send Attachment/ }).waitFor();
    await world.screenshot(page, 'picker');
  });

  it('S03 ERR-1: with the flag off, Add action does not offer Send Attachment and says why', async () => {
    const account = await world.stack.createAccount({ flag: false });
    const { page } = await world.openLibrary(account);
    await page.getByRole('button', { name: 'Add action' }).first().click();
    const picker = page.getByRole('dialog', { name: 'Add action' });
    await picker.getByText(/^Send Attachment is turned off for this account: the AI agent cannot send attachments/).waitFor();
    expect(await picker.getByRole('button', { name: /Send Attachment/ }).count()).toBe(0);
    await world.screenshot(page, 'picker-flag-off');
  });

  it('S02: turning the flag off stops serving the trained tools at once, and the library says so', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Brochure' });
    const { page } = await world.openLibrary(account);
    await page.getByRole('button', { name: 'Train' }).click();
    await page.getByText('Agent trained: version 1', { exact: true }).waitFor();
    expect((await agentTools(account.tokens.AI_SERVICE, account.agentId)).tools).toHaveLength(1);
    expect(await page.getByTestId('send-attachment-off').count()).toBe(0);

    // OPS turns the flag off: nothing is retrained, yet the AI service is offered nothing.
    await world.stack.server.services.accounts.setFeatureFlag(account.accountId, SEND_ATTACHMENT_FLAG, false);
    expect((await agentTools(account.tokens.AI_SERVICE, account.agentId)).tools).toEqual([]);

    await page.reload();
    const banner = page.getByTestId('send-attachment-off');
    await banner.getByText(/^Send Attachment is turned off for this account: .*none of these actions is offered to it, whatever its status/).waitFor();
    const row = page.getByRole('row', { name: /Brochure/ });
    expect(await row.textContent()).toContain('Not offered: turned off for this account');
    const training = page.getByRole('group', { name: 'Training' });
    expect(await training.textContent()).toContain('Send Attachment off: no tool offered');
    expect(await training.textContent()).not.toContain('Up to date');
    await world.screenshot(page, 'library-flag-off');

    // Enabling is refused in the builder's words, not the flag's name.
    await row.getByRole('switch', { name: 'Enabled: Brochure' }).click();
    await page.getByText('“Brochure” disabled', { exact: true }).waitFor();
    await row.getByRole('switch', { name: 'Enabled: Brochure' }).click();
    const toast = page.getByRole('region', { name: /Notifications/ }).getByText(/Send Attachment is turned off for this account, so this cannot be done now/);
    await toast.waitFor();
    expect(await toast.textContent()).not.toContain('ai_agent_send_attachment_action');

    await world.stack.server.services.accounts.setFeatureFlag(account.accountId, SEND_ATTACHMENT_FLAG, true);
    await page.reload();
    await page.getByRole('row', { name: /Brochure/ }).waitFor();
    expect(await page.getByTestId('send-attachment-off').count()).toBe(0);
  });

  it('S03 UI error: a refused toggle shows the server\'s message in a toast', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Brochure', enabled: false });
    const { page } = await world.openLibrary(account);
    // Ops turns the flag off while the builder has the page open.
    await world.stack.server.services.accounts.setFeatureFlag(account.accountId, SEND_ATTACHMENT_FLAG, false);
    await page.getByRole('switch', { name: 'Enabled: Brochure' }).click();
    const toast = page.getByRole('region', { name: /Notifications/ }).getByText('Could not enable “Brochure”');
    await toast.waitFor();
    expect(await page.getByRole('switch', { name: 'Enabled: Brochure' }).getAttribute('aria-checked')).toBe('false');
    await world.screenshot(page, 'library-toggle-refused');
  });

  it('keeps the library on screen when a toggle or Train fails for want of a connection, with Try again', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Brochure' });
    const { context, page } = await world.openLibrary(account);
    const row = page.getByRole('row', { name: /Brochure/ });
    await row.waitFor();

    await context.setOffline(true);
    await row.getByRole('switch', { name: 'Enabled: Brochure' }).click();
    const notifications = page.getByRole('region', { name: /Notifications/ });
    await notifications.getByText('Could not disable “Brochure”').waitFor();
    expect(await notifications.textContent()).toContain('Could not reach the server. Check your connection and try again.');
    const stale = page.getByTestId('actions-refresh-error');
    await stale.getByText('Showing the actions as they last loaded').waitFor();
    expect(await row.isVisible()).toBe(true);
    expect(await page.getByText('Could not load the actions').count()).toBe(0);

    await page.getByRole('button', { name: 'Train' }).click();
    await notifications.getByText('Training failed').waitFor();
    expect(await row.isVisible()).toBe(true);
    await world.screenshot(page, 'library-offline');

    await context.setOffline(false);
    await stale.getByRole('button', { name: 'Try again' }).click();
    await stale.waitFor({ state: 'detached' });
    expect(await row.getByRole('switch', { name: 'Enabled: Brochure' }).getAttribute('aria-checked')).toBe('true');
  });

  it('shows why, with Try again, on every page when the API cannot be reached', async () => {
    const account = await world.stack.createAccount();
    // The admin in front of an API that is not running.
    const dead = await startAdmin({ port: await freePort(), apiUrl: `http://127.0.0.1:${await freePort()}`, log: createLogger('error') });
    try {
      const context = await world.browser.newContext({ baseURL: dead!.url });
      context.setDefaultTimeout(15_000);
      await context.addInitScript(`window.localStorage.setItem('send-attachment-admin.token', ${JSON.stringify(account.tokens.ADMIN)})`);
      const page = await context.newPage();
      const unreachable = /The admin cannot reach the Send Attachment API right now/;
      await page.goto('/');
      await page.getByText('Could not load the agents').waitFor();
      await page.getByText(unreachable).waitFor();
      expect(await page.getByText('Loading agents…').count()).toBe(0);
      await page.getByRole('button', { name: 'Try again' }).waitFor();
      await world.screenshot(page, 'api-unreachable');

      await page.goto(`/agents/${account.agentId}`);
      await page.getByText('Could not load the actions').waitFor();
      await page.getByText(unreachable).first().waitFor();
      await page.goto('/dashboard');
      await page.getByText('Could not load the dashboard').waitFor();
      await world.screenshot(page, 'dashboard-error');
      await page.goto('/history');
      await page.getByText('Could not load the sends').waitFor();
      expect(await page.getByText(unreachable).count()).toBeGreaterThan(0);
      await context.close();
    } finally {
      await dead?.stop();
    }
  });

  for (const role of [Role.AGENT, Role.VIEWER]) {
    it(`shows ${role} everything read-only: no Add action, toggles, delete or Train`, async () => {
      const account = await world.stack.createAccount();
      await createAction(world.stack, account, { name: 'Price list' });
      const { page } = await world.openLibrary(account, role);
      const row = page.getByRole('row', { name: /Price list/ });
      await row.waitFor();
      await page.getByTestId('session').getByText(`Role: ${role}`).waitFor();
      expect(await row.textContent()).toContain('Enabled');
      expect(await page.getByRole('switch').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Add action' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Delete / }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Train' }).count()).toBe(0);
      if (role === Role.VIEWER) await world.screenshot(page, 'library-read-only');

      await page.getByRole('button', { name: 'View Price list' }).click();
      const drawer = page.getByRole('dialog', { name: 'Price list' });
      await drawer.getByText('price-list.pdf').waitFor();
      expect(await drawer.getByLabel('Action name').isDisabled()).toBe(true);
      expect(await drawer.getByRole('button', { name: 'Save' }).count()).toBe(0);
      expect(await drawer.getByRole('button', { name: /^Remove / }).count()).toBe(0);
      expect(await drawer.getByRole('button', { name: 'Choose files' }).count()).toBe(0);
      if (role === Role.VIEWER) await world.screenshot(page, 'drawer-read-only');
    });
  }

  async function accountName(accountId: string) {
    const [row] = await world.stack.sql<{ name: string }[]>`select name from accounts where id = ${accountId}`;
    return row!.name;
  }
});
