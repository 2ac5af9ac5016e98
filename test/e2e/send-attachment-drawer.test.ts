import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import type { TestAccount } from '../support/stack.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction, listActions, saveAction } from './support/fixtures.js';

const PDF = (name = 'price-list.pdf', size = 2048) => ({ name, mimeType: 'application/pdf', buffer: FILES.pdf(size) });
const JPG = (name = 'menu.jpg') => ({ name, mimeType: 'image/jpeg', buffer: FILES.jpg() });
const DEFAULT_TRIGGER =
  'When a customer requests a file, document, or image, such as asking for a brochure, invoice, or photo.';

/** S01: the builder configures a Send Attachment action in the drawer. */
describe('Send Attachment drawer (browser)', () => {
  let world: AdminStack;
  let tmp: string;

  beforeAll(async () => {
    world = await startAdminStack();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-e2e-files-'));
  });
  afterEach(async () => {
    await world?.closeContexts();
  });
  afterAll(async () => {
    await world?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function openNewDrawer(account: TestAccount) {
    const opened = await world.openLibrary(account);
    await opened.page.getByRole('button', { name: 'Add action' }).first().click();
    await opened.page.getByRole('dialog', { name: 'Add action' }).getByRole('button', { name: /Send Attachment/ }).click();
    const drawer = opened.page.getByRole('dialog', { name: 'Add Send Attachment action' });
    await drawer.waitFor();
    await world.settle(opened.page);
    return { ...opened, drawer };
  }

  const fileInput = (page: Page) => page.getByLabel('Attachment files');
  const fileRow = (page: Page, name: string) => page.getByRole('listitem', { name, exact: true });
  const uploaded = (page: Page, name: string) => fileRow(page, name).getByText('Uploaded').waitFor();

  /** The server's own reason for refusing a file, asked directly, to compare with what the row shows. */
  async function serverReason(account: TestAccount, name: string, content: Buffer) {
    const res = await world.stack.client.upload(
      account.tokens.ADMIN,
      `mutation ($file: Upload!) { uploadAttachment(file: $file) { id } }`,
      { file: null },
      [{ path: 'variables.file', file: { name, content } }],
    );
    return res.errors![0]!.message;
  }

  it('AC-1: opens from Add action › Send Attachment with the default name and trigger prefilled', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    expect(await drawer.getByLabel('Action name').inputValue()).toBe('Send attachment');
    expect(await drawer.getByLabel('When and how to trigger this action?').inputValue()).toBe(DEFAULT_TRIGGER);
    expect(await drawer.getByRole('radio', { name: /Let AI fill/ }).isChecked()).toBe(true);
    // Helper text from attachmentLimits: the 75 MB cap and the accepted types.
    const help = await drawer.locator('#attachment-help').textContent();
    expect(help).toContain('Up to 75 MB per file');
    expect(help).toMatch(/PDF, DOC, DOCX/);
    await world.screenshot(page, 'drawer-empty');
  });

  it('ERR-1: blocks Save with no files and says "Please add at least one attachment."', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.locator('#attachment-error').getByText('Please add at least one attachment.').waitFor();
    expect(await drawer.getByRole('alert').textContent()).toContain('Please add at least one attachment.');
    expect(await listActions(world.stack, account)).toEqual([]);
    await world.screenshot(page, 'drawer-error-no-attachment');
  });

  it('UI loading: each file uploads at once with a progress bar, and Save waits for it', async () => {
    const account = await world.stack.createAccount();
    const { context, page, drawer } = await openNewDrawer(account);
    // Slow the upload down (Chromium's network emulation) so the uploading state can be seen.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    await fileInput(page).setInputFiles([PDF('catalog-2026.pdf', 4 * 1024 * 1024)]);
    const bar = fileRow(page, 'catalog-2026.pdf').getByRole('progressbar');
    await bar.waitFor();
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(0);
    await fileRow(page, 'catalog-2026.pdf').getByText(/Uploading… \d+%/).waitFor();
    await fileRow(page, 'catalog-2026.pdf').scrollIntoViewIfNeeded();
    await world.screenshot(page, 'drawer-uploading');

    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.getByRole('alert').getByText('Wait for the uploads to finish before saving.').waitFor();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await uploaded(page, 'catalog-2026.pdf');
    // The message goes with its cause, before anyone clicks again.
    await drawer.getByText('Wait for the uploads to finish before saving.').waitFor({ state: 'detached' });
    expect(await drawer.getByRole('alert').textContent()).toBe('');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect((await listActions(world.stack, account))[0]!.attachments.map((a) => a.fileName)).toEqual(['catalog-2026.pdf']);
  });

  it("ERR-2: a file too large, of an unsupported type or whose content is not its type shows the server's reason, and blocks Save until removed", async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    const huge = path.join(tmp, 'video-tour.mp4');
    fs.writeFileSync(huge, FILES.mp4(78_643_201)); // a real MP4 head, one byte over 75 MB
    const exe = { name: 'setup.exe', mimeType: 'application/octet-stream', buffer: FILES.elf() };
    const fake = { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: FILES.png() };
    await fileInput(page).setInputFiles([huge]);
    await fileInput(page).setInputFiles([exe, fake]);

    for (const [name, expected] of [
      ['setup.exe', await serverReason(account, exe.name, exe.buffer)],
      ['invoice.pdf', await serverReason(account, fake.name, fake.buffer)],
      ['video-tour.mp4', /is larger than the 75 MB limit/],
    ] as const) {
      const failure = fileRow(page, name).getByText('Upload failed:').locator('xpath=../..');
      await failure.waitFor({ timeout: 30_000 });
      const text = await failure.textContent();
      if (typeof expected === 'string') expect(text).toContain(expected);
      else expect(text).toMatch(expected);
    }
    await fileRow(page, 'invoice.pdf').scrollIntoViewIfNeeded();
    await world.screenshot(page, 'drawer-file-errors');

    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.getByRole('alert').getByText('Remove the files that failed to upload before saving.').waitFor();
    await world.screenshot(page, 'drawer-error-file-blocks-save');
    expect(await listActions(world.stack, account)).toEqual([]);

    for (const name of ['setup.exe', 'invoice.pdf']) {
      await drawer.getByRole('button', { name: `Remove ${name}` }).click();
    }
    // One refused file left: the message stays; the last one removed: it goes.
    expect(await drawer.getByRole('alert').textContent()).toContain('Remove the files that failed to upload before saving.');
    await drawer.getByRole('button', { name: 'Remove video-tour.mp4' }).click();
    await drawer.getByText('Remove the files that failed to upload before saving.').waitFor({ state: 'detached' });
    await fileInput(page).setInputFiles([PDF()]);
    await uploaded(page, 'price-list.pdf');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect(await listActions(world.stack, account)).toHaveLength(1);
  });

  it("refuses an eleventh file on Save with the server's message", async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    const names = Array.from({ length: 11 }, (_, i) => `page-${i + 1}.pdf`);
    await fileInput(page).setInputFiles(names.map((name, i) => PDF(name, 1024 + i)));
    for (const name of names) await uploaded(page, name);
    await drawer.getByRole('button', { name: 'Save' }).click();
    const error = drawer.locator('#attachment-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/at most 10 files \(this save has 11\)/);
    expect(await listActions(world.stack, account)).toEqual([]);
    await drawer.getByRole('button', { name: 'Remove page-11.pdf' }).click();
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect((await listActions(world.stack, account))[0]!.attachments).toHaveLength(10);
  });

  it('ERR-3: blocks Save without a trigger, with a required error on the trigger field', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    await fileInput(page).setInputFiles([PDF()]);
    await uploaded(page, 'price-list.pdf');
    const trigger = drawer.getByLabel('When and how to trigger this action?');
    await trigger.fill('   ');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.getByRole('alert').getByText(/is required/).waitFor();
    expect(await trigger.getAttribute('aria-invalid')).toBe('true');
    // Focus moves to the field that blocked the save.
    expect(await page.evaluate('document.activeElement.tagName + " " + document.activeElement.getAttribute("aria-invalid")')).toBe('TEXTAREA true');
    expect(await listActions(world.stack, account)).toEqual([]);
    await world.screenshot(page, 'drawer-error-trigger-required');
    // Typing answers the refusal: its message goes.
    await trigger.fill('When a customer asks for the price list.');
    await drawer.getByRole('alert').getByText(/is required/).waitFor({ state: 'detached' });
    expect(await trigger.getAttribute('aria-invalid')).not.toBe('true');
  });

  it('AC-2 and AC-3: files added by click and by drag-and-drop, "Let AI fill", Save: persisted and listed', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    await fileInput(page).setInputFiles([PDF(), JPG()]);
    const dropped = FILES.mp3();
    const dataTransfer = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); dt.items.add(new File([new Uint8Array(${JSON.stringify([...dropped])})], 'jingle.mp3', { type: 'audio/mpeg' })); return dt; })()`,
    );
    await drawer.getByRole('group', { name: 'Drop files here' }).dispatchEvent('drop', { dataTransfer });
    for (const name of ['price-list.pdf', 'menu.jpg', 'jingle.mp3']) await uploaded(page, name);

    // Per file: kind, size and which channels can deliver it.
    const pdfRow = fileRow(page, 'price-list.pdf');
    expect(await pdfRow.textContent()).toMatch(/2 KB · document/);
    const channels = pdfRow.getByRole('list', { name: 'Channels for price-list.pdf' });
    expect(await channels.textContent()).toContain('WhatsApp');
    expect(await channels.textContent()).toMatch(/Instagram does not support attachments/);
    await fileRow(page, 'menu.jpg').scrollIntoViewIfNeeded();
    await world.screenshot(page, 'drawer-ready');

    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: /Send attachment/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('3 files');
    const [saved] = await listActions(world.stack, account);
    expect(saved).toMatchObject({ name: 'Send attachment', trigger: DEFAULT_TRIGGER, contentMode: 'AI', contentMessage: null, enabled: true });
    expect(saved!.attachments.map((a) => [a.fileName, a.kind])).toEqual([
      ['price-list.pdf', 'document'],
      ['menu.jpg', 'image'],
      ['jingle.mp3', 'audio'],
    ]);
  });

  it('AC-4: "Set manually" blocks an empty message, then stores the caption exactly as typed', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    await drawer.getByLabel('Action name').fill('Promo brochure');
    await drawer.getByRole('radio', { name: /Set manually/ }).click();
    await fileInput(page).setInputFiles([PDF('promo.pdf')]);
    await uploaded(page, 'promo.pdf');
    const message = drawer.getByLabel('Message');
    expect(await message.getAttribute('placeholder')).toBe('Enter message to send alongside the attachment');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.getByRole('alert').getByText(/content message is required/i).waitFor();
    expect(await message.getAttribute('aria-invalid')).toBe('true');
    await world.screenshot(page, 'drawer-error-caption-required');

    const caption = 'Harga berlaku s/d 31 Des — ongkir gratis 🎉 <b>"Promo"</b> & more\nSecond line';
    await message.fill(caption);
    await world.screenshot(page, 'drawer-manual-caption');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const [saved] = await listActions(world.stack, account);
    expect(saved).toMatchObject({ name: 'Promo brochure', contentMode: 'MANUAL', contentMessage: caption });
  });

  it('edits an existing action: its values and files load, and the changes are saved', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Price list', files: [{ name: 'price-list.pdf', content: FILES.pdf() }] });
    const { page } = await world.openLibrary(account);
    await page.getByRole('button', { name: 'Edit Price list' }).click();
    const drawer = page.getByRole('dialog', { name: 'Edit “Price list”' });
    await uploaded(page, 'price-list.pdf');
    expect(await drawer.getByLabel('When and how to trigger this action?').inputValue()).toBe(
      'When a customer asks for prices or the price list.',
    );
    await world.screenshot(page, 'drawer-edit');

    await drawer.getByLabel('Action name').fill('Price list 2027');
    await drawer.getByRole('button', { name: 'Remove price-list.pdf' }).click();
    await fileInput(page).setInputFiles([PDF('price-list-2027.pdf')]);
    await uploaded(page, 'price-list-2027.pdf');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await page.getByRole('row', { name: /Price list 2027/ }).waitFor();
    const [saved] = await listActions(world.stack, account);
    expect(saved!.name).toBe('Price list 2027');
    expect(saved!.attachments.map((a) => a.fileName)).toEqual(['price-list-2027.pdf']);
  });

  it('shows the conflict message when someone else saved first, and reloads their version', async () => {
    const account = await world.stack.createAccount();
    const action = await createAction(world.stack, account, { name: 'Price list' });
    const { page } = await world.openLibrary(account);
    await page.getByRole('button', { name: 'Edit Price list' }).click();
    const drawer = page.getByRole('dialog', { name: 'Edit “Price list”' });
    await uploaded(page, 'price-list.pdf');
    await drawer.getByLabel('Action name').fill('Price list (mine)');

    // Another builder saves the same action meanwhile.
    await saveAction(world.stack, account, {
      id: action.id,
      agentId: account.agentId,
      name: 'Price list (theirs)',
      trigger: action.trigger,
      contentMode: 'AI',
      attachmentIds: action.attachments.map((a) => a.id),
      expectedVersion: action.version,
    });

    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.getByText('This action changed while you were editing').waitFor();
    // The server's own words, in the banner and in the footer's alert.
    expect(await drawer.getByRole('alert').textContent()).toMatch(/Someone else saved this action first .*Reload to see their changes/);
    await world.screenshot(page, 'drawer-conflict');

    await drawer.getByRole('button', { name: 'Reload the latest version' }).click();
    const reloaded = page.getByRole('dialog', { name: 'Edit “Price list (theirs)”' });
    expect(await reloaded.getByLabel('Action name').inputValue()).toBe('Price list (theirs)');
    await reloaded.getByLabel('Action name').fill('Price list (merged)');
    await reloaded.getByRole('button', { name: 'Save' }).click();
    await reloaded.waitFor({ state: 'hidden' });
    expect((await listActions(world.stack, account))[0]!.name).toBe('Price list (merged)');
  });

  it("warns when the trigger is very close to another action's trigger on the same agent", async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Brochure', trigger: DEFAULT_TRIGGER });
    const { page, drawer } = await openNewDrawer(account);
    const warning = drawer.getByText(/It reads almost like the trigger of “Brochure”/);
    await warning.waitFor();
    await world.screenshot(page, 'drawer-similar-trigger');
    await drawer.getByLabel('When and how to trigger this action?').fill('When a customer asks for the warranty terms of a product.');
    await warning.waitFor({ state: 'detached' });
  });

  it('can be used with the keyboard alone, and announces uploads', async () => {
    const account = await world.stack.createAccount();
    const { page } = await world.openLibrary(account);
    // Listen from the start: Playwright turns on file-chooser interception asynchronously, so a
    // listener added just before the key press can miss the chooser on a busy machine.
    page.on('filechooser', (chooser) => void chooser.setFiles([JPG()]));
    await page.getByRole('button', { name: 'Add action' }).first().focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Add action' }).waitFor();
    await world.settle(page);
    await page.getByRole('dialog', { name: 'Add action' }).getByRole('button', { name: /Send Attachment/ }).focus();
    await page.keyboard.press('Enter');
    const drawer = page.getByRole('dialog', { name: 'Add Send Attachment action' });
    await drawer.waitFor();
    await world.settle(page);

    // The closing picker hands focus back to its opener a moment after the drawer opens: focus until it stays.
    const choose = drawer.getByRole('button', { name: 'Choose files' });
    await expect
      .poll(async () => {
        await choose.focus();
        return page.evaluate('document.activeElement?.textContent?.trim()');
      })
      .toBe('Choose files');
    await page.keyboard.press('Enter');
    await drawer.getByRole('status').getByText('menu.jpg uploaded.').waitFor();

    await drawer.getByLabel('Action name').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Menu photo');
    await page.keyboard.press('Enter'); // submits the form
    await drawer.waitFor({ state: 'hidden' });
    await page.getByRole('row', { name: /Menu photo/ }).waitFor();

    await page.getByRole('button', { name: 'Edit Menu photo' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Edit “Menu photo”' }).waitFor();
    await world.settle(page);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });
});
