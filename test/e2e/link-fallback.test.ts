import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../server/src/accounts/roles.js';
import { addRoom, invoke, waitForFinalSend } from '../support/sends.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction, listActions, train } from '../support/factories.js';

/** Issue 12 item 4 in the admin: the builder turns the link fallback on; history and dashboard show what went as a link. */
describe('Link fallback (browser)', () => {
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

  it('is a checkbox in the drawer, off by default; a LINE PDF then shows "As a download link" in the history and on the dashboard', async () => {
    const account = await world.stack.createAccount();
    const action = await createAction(world.stack, account, { name: 'Price list' });
    const { page } = await world.openLibrary(account);
    await page.getByRole('button', { name: 'Edit Price list' }).click();
    const drawer = page.getByRole('dialog', { name: /Price list/ });
    const checkbox = drawer.getByRole('checkbox', { name: "If a channel can't carry a file, send a download link instead" });
    await checkbox.waitFor();
    expect(await checkbox.isChecked()).toBe(false);
    // The PDF's channel-fit warning says what happens on LINE, before and after.
    await drawer.getByText("Customers on those channels get none of this action's files: the send fails before any is delivered.").waitFor();
    await checkbox.click();
    await drawer.getByText('Customers on those channels get a download link to this file instead; the other files go as files.').waitFor();
    await world.screenshot(page, 'drawer-link-fallback');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect((await listActions(world.stack, account)).map((a) => a.id)).toEqual([action.id]);
    const saved = await world.stack.client.query(account.tokens.VIEWER, `query($a: ID!) { actions(agentId: $a) { linkFallback } }`, { a: account.agentId });
    expect(saved.data.actions).toEqual([{ linkFallback: true }]);

    await train(world.stack, account);
    const room = await addRoom(world.stack, account, 'line');
    const receipt = await invoke(world.stack, account, { actionId: action.id, conversationId: room });
    expect((await waitForFinalSend(world.stack, account, receipt.sendId!)).status).toBe('SENT');

    const viewer = await world.open({ as: account.tokens[Role.VIEWER] });
    await viewer.page.goto(`/history/${receipt.sendId}`);
    const files = viewer.page.getByRole('table', { name: 'Files of this send, in send order' });
    await files.getByText('As a download link').waitFor();
    expect(await files.locator('tbody tr').first().textContent()).toContain('Delivered');
    await world.screenshot(viewer.page, 'history-file-as-link');

    await viewer.page.goto('/dashboard');
    await viewer.page.getByTestId('kpi-links').getByText('1 file sent as a download link').waitFor();
  });
});
