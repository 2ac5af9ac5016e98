import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import type { TestAccount } from '../support/stack.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction, listActions } from '../support/factories.js';

const MB = 1024 * 1024;
const SMALL_JPG = { name: 'menu.jpg', mimeType: 'image/jpeg', buffer: FILES.jpg() };
const CONSEQUENCE = "Customers on those channels get none of this action's files: the send fails before any is delivered.";

/** Issue 13 item 11: a file some channels cannot carry is a warning, in the drawer, on Save and in the library. */
describe('Channel fit warnings (browser)', () => {
  let world: AdminStack;
  let tmp: string;
  /** A real JPEG over WhatsApp's, X's and Tokopedia's 5 MB image limit, under the others': a path, so 6 MB need not cross the browser protocol. */
  let bigJpg: string;

  beforeAll(async () => {
    world = await startAdminStack();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-e2e-fit-'));
    bigJpg = path.join(tmp, 'showroom.jpg');
    fs.writeFileSync(bigJpg, FILES.jpg(6 * MB));
  });
  afterEach(async () => {
    await world?.closeContexts();
  });
  afterAll(async () => {
    await world?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const openNewDrawer = (account: TestAccount) => world.openNewDrawer(account);
  const fileRow = (page: Page, name: string) => page.getByRole('listitem', { name, exact: true });
  const uploaded = (page: Page, name: string) => fileRow(page, name).getByText('Uploaded').waitFor();
  /** What a screen reader reads as the row's description (its aria-describedby). */
  async function descriptionOf(page: Page, name: string) {
    const ids = (await fileRow(page, name).getAttribute('aria-describedby')) ?? '';
    const texts = await Promise.all(ids.split(' ').filter(Boolean).map((id) => page.locator(`[id="${id}"]`).textContent()));
    return texts.join(' ');
  }
  const announcement = (page: Page) => page.locator('[data-drawer-body] > p[role="status"]');
  const libraryRow = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(name) });

  it('the drawer warns on a file some channels cannot carry, naming them, their limit and what customers there get', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    await page.getByLabel('Attachment files').setInputFiles([bigJpg]);
    await uploaded(page, 'showroom.jpg');
    // Announced with the upload, for a screen reader that is not on the row.
    await expect
      .poll(() => announcement(page).textContent())
      .toBe('showroom.jpg uploaded. Warning: WhatsApp, Twitter (X DM) and Tokopedia Chat cannot carry it.');

    const warning = fileRow(page, 'showroom.jpg').locator('[data-channel-fit]');
    const text = await warning.textContent();
    expect(text).toContain('Warning: WhatsApp, Twitter (X DM) and Tokopedia Chat cannot carry this file');
    expect(text).toContain('WhatsApp limits image files to 5 MB');
    expect(text).toContain('Tokopedia Chat limits image files to 5 MB');
    expect(text).toContain(CONSEQUENCE);
    expect(text).not.toContain('Telegram');
    // The row is described by the warning: read with the file, not only when reached.
    expect(await descriptionOf(page, 'showroom.jpg')).toContain('WhatsApp, Twitter (X DM) and Tokopedia Chat cannot carry this file');
    // The chips: those three marked as warnings, the rest as before.
    const chips = fileRow(page, 'showroom.jpg').getByRole('list', { name: 'Channels for showroom.jpg' });
    expect(await chips.getByRole('listitem').filter({ hasText: 'WhatsApp' }).getAttribute('class')).toContain('text-warning');
    expect(await chips.getByRole('listitem').filter({ hasText: 'Telegram' }).textContent()).toBe('Telegram: can deliver');
    expect(await chips.textContent()).toContain('Instagram does not support attachments');

    // A file every channel with attachments carries has no warning, Instagram notwithstanding.
    await page.getByLabel('Attachment files').setInputFiles([SMALL_JPG]);
    await uploaded(page, 'menu.jpg');
    await expect.poll(() => announcement(page).textContent()).toBe('menu.jpg uploaded.');
    expect(await fileRow(page, 'menu.jpg').locator('[data-channel-fit]').count()).toBe(0);
    expect(await fileRow(page, 'menu.jpg').getAttribute('aria-describedby')).toBeNull();
    await fileRow(page, 'menu.jpg').scrollIntoViewIfNeeded();
    await world.screenshot(page, 'drawer-channel-fit');

    // Save is not blocked (the other channels carry it), and says which files go where not.
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const notice = page.getByRole('region', { name: /Notifications/ }).getByRole('listitem').filter({ hasText: 'not every channel' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('“Send attachment” saved: not every channel can carry its files');
    expect(await notice.textContent()).toContain('showroom.jpg: not on WhatsApp, Twitter (X DM) and Tokopedia Chat');
    expect(await notice.textContent()).not.toContain('menu.jpg');
    expect((await listActions(world.stack, account))[0]!.attachments.map((a) => a.fileName)).toEqual(['showroom.jpg', 'menu.jpg']);

    // The library row keeps the warning after the notice is gone.
    const badge = libraryRow(page, 'Send attachment').locator('[data-channel-fit]');
    expect(await badge.textContent()).toBe('Warning: Not on 3 channels: showroom.jpg: not on WhatsApp, Twitter (X DM) and Tokopedia Chat.');
    await world.screenshot(page, 'library-channel-fit-saved');
  });

  it('the library marks each action with a file some channels cannot carry, with the detail on hover and focus', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Price list', files: [{ name: 'price-list.pdf', content: FILES.pdf() }] });
    await createAction(world.stack, account, {
      name: 'Menu',
      trigger: 'When a customer asks what is on the menu.',
      files: [{ name: 'menu.jpg', content: FILES.jpg() }],
    });
    const { page } = await world.openLibrary(account);
    await libraryRow(page, 'Price list').waitFor();

    const badge = libraryRow(page, 'Price list').locator('[data-channel-fit]');
    // LINE has no file message; X DMs and Tokopedia carry no documents either.
    expect(await badge.textContent()).toBe('Warning: Not on 3 channels: price-list.pdf: not on LINE, Twitter (X DM) and Tokopedia Chat.');
    // The row's name is what a screen reader announces for it; the warning is part of it.
    expect(await libraryRow(page, 'Price list').textContent()).toContain('Warning: Not on 3 channels');
    await badge.focus();
    // Reka's tooltip: the visible copy, and the role="tooltip" one the badge is then described by.
    await page.locator('[role="tooltip"]').waitFor({ state: 'attached' });
    expect(await page.locator('[role="tooltip"]').textContent()).toBe('price-list.pdf: not on LINE, Twitter (X DM) and Tokopedia Chat');
    expect(await badge.getAttribute('aria-describedby')).toBe(await page.locator('[role="tooltip"]').getAttribute('id'));
    // A JPEG every channel with attachments carries: no badge.
    expect(await libraryRow(page, 'Menu').locator('[data-channel-fit]').count()).toBe(0);
    await world.screenshot(page, 'library-channel-fit');
  });

  it('a file that fits every channel saves with the usual notice and no warning anywhere', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    await page.getByLabel('Attachment files').setInputFiles([SMALL_JPG]);
    await uploaded(page, 'menu.jpg');
    expect(await drawer.locator('[data-channel-fit]').count()).toBe(0);
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const notice = page.getByRole('region', { name: /Notifications/ }).getByRole('listitem').filter({ hasText: 'saved' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('“Send attachment” saved');
    expect(await notice.textContent()).toContain('Train the agent to use the change.');
    expect(await notice.textContent()).not.toContain('not every channel');
    await libraryRow(page, 'Send attachment').waitFor();
    expect(await page.locator('[data-channel-fit]').count()).toBe(0);
  });
});
