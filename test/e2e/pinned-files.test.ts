import fs from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { listActions } from '../support/factories.js';

const file = (name: string, buffer: Buffer, mimeType = 'application/octet-stream') => ({ name, mimeType, buffer });

/**
 * Issue 13 item 12: the pinned files of the drawer can be put in send order (drag and keyboard),
 * replaced, previewed (images), downloaded, pasted, and a failed upload retried.
 */
describe('Pinned files (browser)', () => {
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

  const rows = (drawer: Locator) => drawer.getByRole('list', { name: 'Attachments' }).locator(':scope > li');
  const names = async (drawer: Locator) => (await rows(drawer).evaluateAll((els) => els.map((el) => el.getAttribute('aria-label'))));
  const uploaded = (drawer: Locator, count: number) => expect.poll(() => drawer.getByText('Uploaded', { exact: true }).count()).toBe(count);
  const focusedLabel = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));

  it('orders the files by keyboard and by dragging, previews images, and saves them in that order', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await world.openNewDrawer(account);
    await page.getByLabel('Attachment files').setInputFiles([file('a.pdf', FILES.pdf(3000)), file('b.png', FILES.png(3000), 'image/png'), file('c.pdf', FILES.pdf(3100))]);
    await uploaded(drawer, 3);
    expect(await names(drawer)).toEqual(['a.pdf', 'b.png', 'c.pdf']);

    // The image shows a preview of itself (decoded: a 1×1 PNG).
    const preview = rows(drawer).nth(1).locator('img[data-preview]');
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);

    // Keyboard: the arrows move c.pdf to the top, and the focus stays with it.
    await drawer.getByRole('button', { name: 'Move c.pdf up' }).focus();
    await page.keyboard.press('Enter');
    expect(await names(drawer)).toEqual(['a.pdf', 'c.pdf', 'b.png']);
    expect(await focusedLabel(page)).toBe('Move c.pdf up');
    await page.keyboard.press('Enter');
    expect(await names(drawer)).toEqual(['c.pdf', 'a.pdf', 'b.png']);
    // At the top "up" is disabled: the focus is on "down", still on the same file.
    expect(await focusedLabel(page)).toBe('Move c.pdf down');
    await drawer.getByText('c.pdf moved to position 1 of 3.').waitFor({ state: 'attached' });

    // Drag: b.png onto the first file takes its place. The events are dispatched as the browser
    // sends them (dragstart, dragover, drop, dragend): a mouse gesture across the scrolling drawer
    // lands on whatever row has moved under the pointer.
    const data = await page.evaluateHandle(() => new DataTransfer());
    const [source, target] = [rows(drawer).nth(2), rows(drawer).nth(0)];
    await source.dispatchEvent('dragstart', { dataTransfer: data });
    await target.dispatchEvent('dragover', { dataTransfer: data });
    await target.dispatchEvent('drop', { dataTransfer: data });
    await source.dispatchEvent('dragend', { dataTransfer: data });
    expect(await names(drawer)).toEqual(['b.png', 'c.pdf', 'a.pdf']);

    await drawer.getByRole('textbox', { name: 'Action name' }).fill('Catalog');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const [saved] = await listActions(world.stack, account);
    expect(saved!.attachments.map((a) => a.fileName)).toEqual(['b.png', 'c.pdf', 'a.pdf']);
  });

  it('downloads a saved file with its bytes, previews a saved image from the server, and replaces a file in its place', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await world.openNewDrawer(account);
    const pdf = FILES.pdf(4321);
    await page.getByLabel('Attachment files').setInputFiles([file('prices.pdf', pdf), file('photo.png', FILES.png(2500), 'image/png'), file('old.pdf', FILES.pdf(2222))]);
    await uploaded(drawer, 3);
    await drawer.getByRole('textbox', { name: 'Action name' }).fill('Prices');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Edit Prices' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit “Prices”' });
    await uploaded(edit, 3);
    // The save's warning (two of the files cannot go to every channel) is still up for 15 s, and
    // it sits clear of the drawer: the builder can save again at once. (The open drawer hides the
    // rest of the page from the accessibility tree, so the toast is found by its label.)
    const warning = page.locator('[aria-label="Notifications (F8)"] li').filter({ hasText: 'not every channel can carry its files' });
    const [toastBox, saveBox] = [await warning.boundingBox(), await edit.getByRole('button', { name: 'Save' }).boundingBox()];
    expect(toastBox!.x + toastBox!.width).toBeLessThan(saveBox!.x);
    // Saved: the preview comes from the server (GET /attachments/<id>/content with the token).
    const preview = rows(edit).nth(1).locator('img[data-preview]');
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);

    const [download] = await Promise.all([page.waitForEvent('download'), edit.getByRole('button', { name: 'Download prices.pdf' }).click()]);
    expect(download.suggestedFilename()).toBe('prices.pdf');
    expect(fs.readFileSync((await download.path())!).equals(pdf)).toBe(true);

    await edit.getByLabel('File to replace old.pdf with').setInputFiles([file('new.pdf', FILES.pdf(2600))]);
    await uploaded(edit, 3);
    expect(await names(edit)).toEqual(['prices.pdf', 'photo.png', 'new.pdf']);
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'hidden' });
    expect((await listActions(world.stack, account))[0]!.attachments.map((a) => a.fileName)).toEqual(['prices.pdf', 'photo.png', 'new.pdf']);

    // Another account's file id is not served, with or without a token.
    const other = await world.stack.createAccount();
    const [{ id }] = await world.stack.sql<{ id: string }[]>`select id from attachments where account_id = ${account.accountId} limit 1`;
    const url = `${world.stack.server.url}/attachments/${id}/content`;
    expect((await fetch(url, { headers: { authorization: `Bearer ${other.tokens.ADMIN}` } })).status).toBe(404);
    expect((await fetch(url)).status).toBe(401);
    const own = await fetch(url, { headers: { authorization: `Bearer ${account.tokens.VIEWER}` } });
    expect(own.status).toBe(200);
    expect(own.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
    expect(own.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('retries a failed upload from the file the page still has, and adds pasted files', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await world.openNewDrawer(account);
    // The first upload's connection is cut, as a flaky network would.
    let cut = false;
    await page.route('**/graphql', async (route) => {
      if (!cut && (route.request().headers()['content-type'] ?? '').startsWith('multipart/form-data')) {
        cut = true;
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await page.getByLabel('Attachment files').setInputFiles([file('flaky.pdf', FILES.pdf(2700))]);
    await drawer.getByText(/Upload failed:/).waitFor();
    await drawer.getByRole('button', { name: 'Retry the upload of flaky.pdf' }).click();
    await uploaded(drawer, 1);

    const png = FILES.png(1800).toString('base64');
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }, png);
    await uploaded(drawer, 2);
    expect(await names(drawer)).toEqual(['flaky.pdf', 'pasted.png']);
  });
});
