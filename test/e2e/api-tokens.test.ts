import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../server/src/accounts/roles.js';
import { waitFor } from '../support/sends.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';

const ME = '{ me { role } }';

/** Settings → API tokens: an ADMIN sees the account's tokens and revokes them, as a person would. */
describe('API tokens page (browser)', () => {
  let world: AdminStack;

  beforeAll(async () => {
    world = await startAdminStack();
  });
  afterAll(() => world?.stop());

  /** A table row's cells, trimmed. */
  async function cells(row: import('playwright-core').Locator) {
    return (await row.locator('th, td').allTextContents()).map((t) => t.trim());
  }

  it('lists every token of the account and revokes one after confirming; the API refuses it at once', async () => {
    const account = await world.stack.createAccount();
    const { page } = await world.openLibrary(account, Role.ADMIN);
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'API tokens', level: 1 }).waitFor();

    const rows = page.getByTestId('api-token');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(6);
    const mine = page.getByRole('row', { name: /^ADMIN This session/ });
    expect((await cells(mine)).slice(0, 1)).toEqual(['ADMIN This session']);
    expect(await cells(mine)).toContain('Active');
    await world.screenshot(page, 'settings-tokens');

    const viewer = page.getByRole('row', { name: /^VIEWER/ });
    await viewer.getByRole('button', { name: /^Revoke the VIEWER token/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the VIEWER token?' });
    await dialog.waitFor();
    await world.screenshot(page, 'settings-tokens-revoke');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('The VIEWER token was revoked').first().waitFor();
    await viewer.getByText('Revoked').waitFor();
    expect(await viewer.getByRole('button').count()).toBe(0);

    await waitFor(
      async () => ((await world.stack.client.query(account.tokens.VIEWER, ME)).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' ? true : undefined),
      { timeoutMs: 10_000, what: 'the revoked token to be refused' },
    );
    expect((await world.stack.client.query(account.tokens.AGENT, ME)).errors).toBeUndefined();
  });

  it('signs out a builder who revokes the token they are signed in with', async () => {
    const account = await world.stack.createAccount();
    const { page } = await world.open({ as: account.tokens.ADMIN });
    await page.goto('/settings/tokens');
    await page.getByRole('row', { name: /^ADMIN This session/ }).getByRole('button', { name: /^Revoke/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the ADMIN token?' });
    await dialog.getByText('This is the token you are signed in with: you will be signed out.').waitFor();
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await page.waitForURL('**/sign-in**');
    await page.getByText('You revoked the token this session used. Sign in with another token.').first().waitFor();
  });

  it('is served with a CSP that forbids framing, nosniff and no referrer, and runs without a CSP violation', async () => {
    const account = await world.stack.createAccount();
    const { page } = await world.open({ as: account.tokens.ADMIN });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = (await page.goto('/settings/tokens'))!;
    const headers = response.headers();
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).toMatch(/script-src 'self' 'sha256-/);
    expect(headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    await page.getByRole('row', { name: /^ADMIN This session/ }).waitFor();
    // The dashboard draws charts and the history page filters: the heaviest pages run too.
    await page.goto('/dashboard');
    await page.getByRole('heading', { name: 'Send Attachment dashboard', level: 1 }).waitFor();
    await page.goto('/history');
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    expect(violations).toEqual([]);
  });

  it('offers no Settings to roles that cannot manage tokens', async () => {
    const account = await world.stack.createAccount();
    const { page } = await world.openLibrary(account, Role.BOT_MANAGER);
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Actions' }).waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Actions', 'Dashboard', 'History', 'Alerts']);
  });
});
