import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../server/src/accounts/roles.js';
import type { TestAccount } from '../support/stack.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction, listActions } from '../support/factories.js';
import { recordSends } from '../support/generated-sends.js';

const PHONE = { width: 390, height: 844 };

/**
 * What every page shares (issue 13 item 7 and 8): its own title, a not-found page inside the
 * app, icons from the offline bundle, and a layout that fits a 390 px phone.
 */
describe('Every page (browser)', () => {
  let world: AdminStack;
  let account: TestAccount;
  let accountName: string;
  let sendId: string;

  beforeAll(async () => {
    world = await startAdminStack();
    account = await world.stack.createAccount();
    [{ name: accountName }] = await world.stack.sql<{ name: string }[]>`select name from accounts where id = ${account.accountId}`;
    const prices = await createAction(world.stack, account, { name: 'Price list' });
    const brochure = await createAction(world.stack, account, { name: 'Spring brochure for wholesale customers', enabled: false });
    await recordSends(world.stack, account, prices.id, { sent: 3, failed: 1 });
    await recordSends(world.stack, account, brochure.id, { sent: 1, failed: 0 });
    [{ id: sendId }] = await world.stack.sql<{ id: string }[]>`select id from sends where account_id = ${account.accountId} limit 1`;
  });
  afterEach(async () => {
    await world?.closeContexts();
  });
  afterAll(async () => {
    await world?.stop();
  });

  /** The main pages, each with what shows it has loaded; OPS only for the OPS role. */
  const PAGES = [
    { path: () => `/agents/${account.agentId}`, role: Role.ADMIN, title: 'Actions', ready: (p: Page) => p.getByRole('row', { name: /Price list/ }) },
    { path: () => '/dashboard', role: Role.ADMIN, title: 'Dashboard', ready: (p: Page) => p.getByTestId('kpi-sends').getByText('5') },
    { path: () => '/history', role: Role.ADMIN, title: 'History', ready: (p: Page) => p.getByTestId('history-count').getByText('5 sends match.') },
    { path: () => `/history/${sendId}`, role: Role.ADMIN, title: 'Send details', ready: (p: Page) => p.getByRole('heading', { name: /^Send of / }) },
    { path: () => '/alerts', role: Role.ADMIN, title: 'Alerts', ready: (p: Page) => p.getByTestId('alert-history-empty') },
    { path: () => '/ops', role: Role.OPS, title: 'OPS', ready: (p: Page) => p.getByRole('row', { name: new RegExp(`^${accountName}`) }) },
    { path: () => '/settings/tokens', role: Role.ADMIN, title: 'API tokens', ready: (p: Page) => p.getByRole('row', { name: /^ADMIN This session/ }) },
    { path: () => '/settings/webhooks', role: Role.ADMIN, title: 'Webhooks', ready: (p: Page) => p.getByRole('heading', { name: 'Webhooks', level: 1 }) },
  ];

  async function visit(page: Page, target: (typeof PAGES)[number]) {
    await page.goto(target.path());
    await target.ready(page).first().waitFor();
  }

  /** Whether the page scrolls sideways: what the issue saw at 390 px. */
  const pageOverflow = (page: Page) =>
    page.evaluate('document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth') as Promise<number>;

  /** Asserts that each element `locator` matches lies wholly inside the viewport's width. */
  async function expectOnScreen(page: Page, locator: ReturnType<Page['locator']>, what: string) {
    const boxes = await locator.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON() as { left: number; right: number }));
    expect(boxes.length, what).toBeGreaterThan(0);
    const width = page.viewportSize()!.width;
    for (const box of boxes) expect([box.left >= 0, box.right <= width], `${what}: ${JSON.stringify(box)}`).toEqual([true, true]);
  }

  it('names each page in its title', async () => {
    const signedOut = await world.open();
    await signedOut.page.goto('/sign-in');
    await expect.poll(() => signedOut.page.title()).toBe('Sign in · Send Attachment');
    for (const role of [Role.ADMIN, Role.OPS]) {
      const { page } = await world.open({ as: account.tokens[role] });
      for (const target of PAGES.filter((p) => p.role === role)) {
        await visit(page, target);
        await expect.poll(() => page.title(), { message: target.path() }).toBe(`${target.title} · Send Attachment`);
      }
    }
  });

  it('shows an unknown URL as "Page not found" inside the app, with its header and a way back', async () => {
    const { page } = await world.open({ as: account.tokens.ADMIN });
    await page.goto('/no/such/page');
    await page.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('There is no page at /no/such/page.');
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'History' }).waitFor();
    expect(await page.getByTestId('session').textContent()).toContain(`Account: ${accountName}`);
    await expect.poll(() => page.title()).toBe('Page not found · Send Attachment');
    await world.screenshot(page, 'not-found');

    // The header's links lead out of it, and so does its own button.
    await nav.getByRole('link', { name: 'History' }).click();
    await page.getByTestId('history-count').getByText('5 sends match.').waitFor();
    expect(await page.getByRole('heading', { name: 'Page not found' }).count()).toBe(0);
    await page.goto('/agents/x/y');
    await page.getByRole('button', { name: 'Go to the start page' }).click();
    await page.waitForURL(`**/agents/${account.agentId}`);
    await page.getByRole('heading', { name: 'Actions', level: 1 }).waitFor();

    // Signed out, an unknown URL asks for a token first, like every other page.
    const signedOut = await world.open();
    await signedOut.page.goto('/no/such/page');
    await signedOut.page.getByRole('heading', { name: 'Sign in to the AI Agent admin' }).waitFor();
  });

  it('draws every icon from the offline bundle, the selects\' chevrons included, with no icon warning', async () => {
    for (const role of [Role.ADMIN, Role.OPS]) {
      const { page } = await world.open({ as: account.tokens[role] });
      const warnings: string[] = [];
      page.on('console', (message) => {
        if (/icon/i.test(message.text())) warnings.push(message.text());
      });
      for (const target of PAGES.filter((p) => p.role === role)) {
        await visit(page, target);
        if (target.title === 'History') {
          for (const name of ['Action', 'Agent']) await page.getByRole('combobox', { name }).locator('.iconify').waitFor();
        }
        // Nuxt Icon draws an icon as a CSS mask once its SVG is at hand; one it could not load has none.
        const unloaded = () =>
          page.evaluate(`[...document.querySelectorAll('.iconify')]
            .filter((el) => !/^url\\(/.test(getComputedStyle(el).maskImage || getComputedStyle(el).webkitMaskImage))
            .map((el) => el.className)`) as Promise<string[]>;
        await expect.poll(unloaded, { message: target.path() }).toEqual([]);
      }
      expect(warnings).toEqual([]);
    }
  });

  it('fits a 390 px phone: no page scrolls sideways, and the header stays on screen', async () => {
    const signedOut = await world.open();
    await signedOut.page.setViewportSize(PHONE);
    await signedOut.page.goto('/sign-in');
    await signedOut.page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await pageOverflow(signedOut.page)).toBe(0);
    await expectOnScreen(signedOut.page, signedOut.page.getByLabel('API token'), 'the token field');

    for (const role of [Role.ADMIN, Role.OPS]) {
      const { page } = await world.open({ as: account.tokens[role] });
      await page.setViewportSize(PHONE);
      for (const target of PAGES.filter((p) => p.role === role)) {
        await visit(page, target);
        await world.settle(page);
        expect(await pageOverflow(page), target.path()).toBe(0);
        await expectOnScreen(page, page.getByRole('navigation', { name: 'Sections' }).getByRole('link'), `${target.path()}: the sections`);
        await expectOnScreen(page, page.getByRole('button', { name: 'Sign out' }), `${target.path()}: Sign out`);
      }
    }
  });

  it('shows the library, history and OPS rows on a 390 px phone as cards with their controls on screen', async () => {
    const { page } = await world.open({ as: account.tokens.ADMIN });
    await page.setViewportSize(PHONE);
    await visit(page, PAGES[0]!);
    // Each action is a card: its switch and delete on screen, its usage one line, not a word a line.
    const rows = page.getByRole('table', { name: 'Actions of this agent' }).locator('tbody tr');
    expect(await rows.count()).toBe(2);
    await expectOnScreen(page, rows.getByRole('switch'), 'the library switches');
    await expectOnScreen(page, rows.getByRole('button', { name: /^Delete / }), 'the library delete buttons');
    await expectOnScreen(page, rows.getByRole('button', { name: /^Edit / }), 'the library names');
    await expectOnScreen(page, page.getByRole('search', { name: 'Find actions' }).locator('input, button'), 'the search and sort');
    const usage = rows.first().getByText('3 sent · 1 failed');
    expect((await usage.boundingBox())!.height).toBeLessThan(30);
    for (const height of await rows.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height))) expect(height).toBeLessThan(200);
    // Still a table to a screen reader: the row is named by its cells.
    await page.getByRole('row', { name: /Spring brochure for wholesale customers/ }).getByRole('switch', { name: /^Enabled: / }).waitFor();
    await world.screenshot(page, 'library-phone', { fullPage: true });

    // The drawer fits too: its fields and buttons within the width.
    await page.getByRole('button', { name: 'Edit Price list' }).click();
    const drawer = page.getByRole('dialog', { name: 'Edit “Price list”' });
    await drawer.getByText('Uploaded', { exact: true }).waitFor();
    await world.settle(page);
    await expectOnScreen(page, drawer.getByRole('button', { name: /^(Save|Cancel|Choose files|Remove price-list\.pdf)$/ }), 'the drawer buttons');
    await expectOnScreen(page, drawer.getByRole('textbox'), 'the drawer fields');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });

    // A switch works there: disabled on screen, and on the server.
    await page.getByRole('switch', { name: 'Enabled: Price list' }).click();
    // The toast, and the copy its screen-reader announcer makes: either shows it came.
    await page.getByText('“Price list” disabled').first().waitFor();
    expect((await listActions(world.stack, account)).find((a) => a.name === 'Price list')!.enabled).toBe(false);

    await visit(page, PAGES[2]!);
    const sends = page.getByRole('table', { name: 'Sends, newest first' }).locator('tbody tr');
    expect(await sends.count()).toBe(5);
    await expectOnScreen(page, sends.getByRole('link', { name: /^Details of the send/ }), 'the history Details links');
    // The filters fold behind a button, so the first send shows on the first screen, not below them.
    const filters = page.getByRole('button', { name: 'Filters', exact: true });
    expect(await filters.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByRole('combobox', { name: 'Action' }).isVisible()).toBe(false);
    expect((await sends.first().boundingBox())!.y).toBeLessThan(PHONE.height);
    await world.screenshot(page, 'history-phone', { fullPage: true });
    await filters.click();
    await expectOnScreen(page, page.getByRole('combobox', { name: 'Action' }), 'the Action filter');
    await page.getByRole('checkbox', { name: 'Sent', exact: true }).click();
    await page.getByRole('button', { name: 'Filters (1)' }).waitFor();
    expect(await pageOverflow(page)).toBe(0);
    await world.screenshot(page, 'history-phone-filters', { fullPage: true });
    await sends.first().getByRole('link', { name: /^Details of the send/ }).click();
    await page.getByRole('heading', { name: /^Send of / }).waitFor();
    expect(await pageOverflow(page)).toBe(0);

    const ops = await world.open({ as: account.tokens.OPS });
    await ops.page.setViewportSize(PHONE);
    await visit(ops.page, PAGES.find((p) => p.title === 'OPS')!);
    await expectOnScreen(ops.page, ops.page.getByRole('button', { name: /^Turn (off|on) Send Attachment for / }), 'the OPS flag buttons');
  });
});
