import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../server/src/accounts/roles.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction } from '../support/factories.js';

const TEMPLATE = 'https://chat.example.com/inbox/{channel}/{conversationId}?from=history';

/** Issue 13 item 16: with CHAT_SERVICE_CONVERSATION_URL set, the history links each conversation to ChatService. */
describe('Conversation links in the history (browser)', () => {
  let world: AdminStack;

  beforeAll(async () => {
    world = await startAdminStack({ serverEnv: { CHAT_SERVICE_CONVERSATION_URL: TEMPLATE } });
  });
  afterEach(async () => {
    await world?.closeContexts();
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('links a conversation id to its ChatService page, encoded, in a new tab without opener or referrer', async () => {
    const account = await world.stack.createAccount();
    const action = await createAction(world.stack, account, { name: 'Price list' });
    // An id with the characters a template must not take as URL syntax, and a send whose room was never found (no channel).
    const [linked] = await world.stack.sql<{ id: string }[]>`
      insert into sends (account_id, agent_id, action_id, conversation_id, channel, status, completed_at, created_at)
      values (${account.accountId}, ${account.agentId}, ${action.id}, 'room 7/#a?b&c', 'whatsapp', 'SENT', now(), now())
      returning id`;
    await world.stack.sql`
      insert into sends (account_id, agent_id, action_id, conversation_id, channel, status, reason, completed_at, created_at)
      values (${account.accountId}, ${account.agentId}, ${action.id}, 'unknown-room', null, 'FAILED', 'credentials', now(), now() - interval '1 minute')`;

    const { page } = await world.open({ as: account.tokens[Role.VIEWER] });
    await page.goto('/history');
    await page.getByTestId('history-count').getByText('2 sends match.').waitFor();
    const rows = page.getByRole('table', { name: 'Sends, newest first' }).locator('tbody tr');

    const link = rows.first().getByRole('link', { name: 'room 7/#a?b&c (opens in ChatService, new tab)' });
    expect(await link.getAttribute('href')).toBe('https://chat.example.com/inbox/whatsapp/room%207%2F%23a%3Fb%26c?from=history');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    // The template names the channel, which this send lacks: its id stays text.
    expect(await rows.nth(1).textContent()).toContain('unknown-room');
    expect(await rows.nth(1).getByRole('link', { name: /opens in ChatService/ }).count()).toBe(0);
    await world.screenshot(page, 'history-conversation-link');

    // The send's own page links it the same way.
    await page.goto(`/history/${linked!.id}`);
    await page.getByRole('heading', { name: /^Send of / }).waitFor();
    const detail = page.getByRole('link', { name: 'room 7/#a?b&c (opens in ChatService, new tab)' });
    expect(await detail.getAttribute('href')).toBe('https://chat.example.com/inbox/whatsapp/room%207%2F%23a%3Fb%26c?from=history');
    expect(await detail.getAttribute('rel')).toBe('noopener noreferrer');
  });
});
