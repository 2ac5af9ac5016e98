import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction, listActions } from '../support/factories.js';

const SET_ENABLED = `mutation($id: ID!, $enabled: Boolean!) { setActionEnabled(id: $id, enabled: $enabled) { id } }`;

/** The admin says an agent is over the tool limit (attachmentLimits.maxToolsPerAgent) before the builder trains. */
describe('Train over the tool limit (browser)', () => {
  let world: AdminStack;

  beforeAll(async () => {
    // 129 actions saved in a few seconds: more than a console token's default request budget.
    world = await startAdminStack({ serverEnv: { WORKER_CONCURRENCY: '0', RATE_LIMIT_CONSOLE_POINTS: '10000000' } });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('shows 129 enabled actions as over the limit of 128 and keeps Train off until one is disabled', async () => {
    const account = await world.stack.createAccount();
    for (let i = 0; i < 129; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, 129 - i) }, (_, j) => createAction(world.stack, account, { name: `Action ${i + j}` })));
    }
    const { page } = await world.openLibrary(account);
    const training = page.getByRole('group', { name: 'Training' });
    // 129 rows render slowly on a loaded machine: more time than a step's default 15 s.
    await training.getByRole('alert').getByText('129 actions are enabled; an agent can be trained with at most 128. Disable 1 to train.').waitFor({ timeout: 45_000 });
    expect(await training.getByRole('button', { name: 'Train' }).isDisabled()).toBe(true);
    await world.screenshot(page, 'library-over-tool-limit');

    const [first] = await listActions(world.stack, account);
    await world.stack.client.query(account.tokens.ADMIN, SET_ENABLED, { id: first!.id, enabled: false });
    await page.reload();
    await training.getByRole('button', { name: 'Train' }).waitFor({ timeout: 45_000 });
    expect(await training.getByRole('alert').count()).toBe(0);
    expect(await training.getByRole('button', { name: 'Train' }).isDisabled()).toBe(false);
    await training.getByRole('button', { name: 'Train' }).click();
    await page.getByText('Agent trained: version 1', { exact: true }).waitFor();
  }, 180_000);
});
