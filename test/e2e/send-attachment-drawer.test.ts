import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import type { TestAccount } from '../support/stack.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction, listActions } from '../support/factories.js';
import { dataOf } from '../support/graphql-client.js';
import { saveAction } from '../support/operations.js';

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

  const openNewDrawer = (account: TestAccount) => world.openNewDrawer(account);

  const fileInput = (page: Page) => page.getByLabel('Attachment files');
  /** Counts the multipart requests (uploads) the page sends from now on. */
  function countUploads(page: Page) {
    const seen = { count: 0 };
    page.on('request', (request) => {
      if (request.method() === 'POST' && (request.headers()['content-type'] ?? '').startsWith('multipart/form-data')) seen.count++;
    });
    return seen;
  }
  /** The account's attachment rows, staged or pinned: what reached the server. */
  const storedAttachments = async (account: TestAccount) =>
    (await world.stack.sql`select file_name from attachments where account_id = ${account.accountId} order by file_name`).map(
      (r) => r.file_name as string,
    );
  /** The text of the elements that describe `id`'s element (aria-describedby), as a screen reader reads them. */
  const descriptionOf = (page: Page, selector: string) =>
    page.evaluate(
      `(() => { const el = document.querySelector(${JSON.stringify(selector)}); return (el.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean).map((id) => document.getElementById(id)?.textContent ?? '').join(' '); })()`,
    ) as Promise<string>;
  /** The manual message (a label match alone would also find the “Content message” radio group). */
  const messageField = (drawer: Locator) => drawer.getByRole('textbox', { name: /^Message/ });
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
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
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

  it('ERR-2 before upload: a file too large or of an unaccepted type is refused in the browser, with no byte sent, and said on the control', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    const uploads = countUploads(page);
    const huge = path.join(tmp, 'video-tour.mp4');
    fs.writeFileSync(huge, FILES.mp4(78_643_201)); // a real MP4 head, one byte over 75 MB
    // One choice of three files (paths: Playwright takes paths or buffers, not both at once).
    const exe = path.join(tmp, 'setup.exe');
    fs.writeFileSync(exe, FILES.elf());
    const pdf = path.join(tmp, 'price-list.pdf');
    fs.writeFileSync(pdf, FILES.pdf());
    await fileInput(page).setInputFiles([huge, exe, pdf]);
    await uploaded(page, 'price-list.pdf');

    const refused = drawer.getByRole('list', { name: 'Files not added' });
    expect(await refused.getByRole('listitem').allTextContents()).toEqual([
      '“video-tour.mp4” was not added: it is larger than 75 MB, the most a file can be. Make it smaller, then add it again.',
      '“setup.exe” was not added: .exe files cannot be sent. Choose one of the accepted types listed above.',
    ]);
    // Only the PDF travelled; the server holds nothing else.
    expect(uploads.count).toBe(1);
    expect(await storedAttachments(account)).toEqual(['price-list.pdf']);
    expect(await fileRow(page, 'video-tour.mp4').count()).toBe(0);
    // Tied to the control: the file input and "Choose files" are described by the refusals.
    expect(await fileInput(page).getAttribute('aria-invalid')).toBe('true');
    expect(await descriptionOf(page, 'input[type=file]')).toContain('“setup.exe” was not added');
    expect(await descriptionOf(page, '#choose-files')).toContain('“video-tour.mp4” was not added');
    await world.screenshot(page, 'drawer-files-refused');

    // The refused files are not part of the action: Save goes through with the one that was added.
    await drawer.getByRole('button', { name: 'Dismiss' }).click();
    await refused.waitFor({ state: 'detached' });
    expect(await fileInput(page).getAttribute('aria-invalid')).toBe('false');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect((await listActions(world.stack, account))[0]!.attachments.map((a) => a.fileName)).toEqual(['price-list.pdf']);
  });

  it("ERR-2 on the server: a file whose content is not its type shows the server's reason, and blocks Save until removed", async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    const fake = { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: FILES.png() };
    await fileInput(page).setInputFiles([fake]);
    const failure = fileRow(page, 'invoice.pdf').getByText('Upload failed:').locator('xpath=../..');
    await failure.waitFor({ timeout: 30_000 });
    expect(await failure.textContent()).toContain(await serverReason(account, fake.name, fake.buffer));
    await world.screenshot(page, 'drawer-file-errors');

    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.getByRole('alert').getByText('Remove the files that failed to upload before saving.').waitFor();
    // Focus goes to the control that fixes it, not to the page.
    expect(await page.evaluate('document.activeElement?.textContent?.trim()')).toBe('Choose files');
    await world.screenshot(page, 'drawer-error-file-blocks-save');
    expect(await listActions(world.stack, account)).toEqual([]);

    await drawer.getByRole('button', { name: 'Remove invoice.pdf' }).click();
    await drawer.getByText('Remove the files that failed to upload before saving.').waitFor({ state: 'detached' });
    await fileInput(page).setInputFiles([PDF()]);
    await uploaded(page, 'price-list.pdf');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect(await listActions(world.stack, account)).toHaveLength(1);
  });

  it('refuses the files beyond the tenth in the browser, before uploading them', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    const uploads = countUploads(page);
    const names = Array.from({ length: 11 }, (_, i) => `page-${String(i + 1).padStart(2, '0')}.pdf`);
    await fileInput(page).setInputFiles(names.slice(0, 9).map((name, i) => PDF(name, 1024 + i)));
    for (const name of names.slice(0, 9)) await uploaded(page, name);
    // Two more chosen at once: the tenth fits, the eleventh does not.
    await fileInput(page).setInputFiles(names.slice(9).map((name, i) => PDF(name, 2048 + i)));
    await uploaded(page, 'page-10.pdf');
    expect(await drawer.getByRole('list', { name: 'Files not added' }).textContent()).toBe(
      '“page-11.pdf” was not added: an action can hold at most 10 files. Remove one to make room.',
    );
    expect(uploads.count).toBe(10);
    expect(await storedAttachments(account)).toEqual(names.slice(0, 10));
    expect(await drawer.locator('#attachment-help').textContent()).toContain('(10 added)');

    // Room again after a removal.
    await drawer.getByRole('button', { name: 'Remove page-01.pdf' }).click();
    await fileInput(page).setInputFiles([PDF('page-11.pdf', 4096)]);
    await uploaded(page, 'page-11.pdf');
    await drawer.getByRole('list', { name: 'Files not added' }).waitFor({ state: 'detached' });
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect((await listActions(world.stack, account))[0]!.attachments).toHaveLength(10);
  });

  it('lists every refused field at once on Save, marks each and moves focus to the first; counters show a paste over the limit, uncut', async () => {
    const account = await world.stack.createAccount();
    const { page, drawer } = await openNewDrawer(account);
    const name = drawer.getByLabel('Action name');
    const trigger = drawer.getByLabel('When and how to trigger this action?');
    await name.fill('n'.repeat(1100));
    expect((await name.inputValue()).length).toBe(1100); // not cut
    await drawer.getByText('1,100 / 100 · 1,000 over the limit').waitFor();
    await trigger.fill('t'.repeat(1100));
    await drawer.getByText('1,100 / 1,024 · 76 over the limit').waitFor();
    await drawer.getByRole('radio', { name: /Set manually/ }).click();
    await drawer.getByText('0 / 1,024', { exact: true }).waitFor();
    await drawer.getByRole('button', { name: 'Save' }).click();

    const alert = drawer.getByRole('alert');
    await alert.getByText('Not saved: 4 things to fix').waitFor();
    expect(await alert.getByRole('listitem').allTextContents()).toEqual([
      'Action name must be at most 100 characters (it has 1,100).',
      'When and how to trigger this action must be at most 1,024 characters (it has 1,100).',
      'A manual content message is required.',
      'Please add at least one attachment.',
    ]);
    for (const field of [name, trigger, messageField(drawer)]) expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await fileInput(page).getAttribute('aria-invalid')).toBe('true');
    // The counter is part of the field's description, so a screen reader hears how far over it is.
    expect(await descriptionOf(page, '[name="name"]')).toContain('1,000 over the limit');
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('name');
    expect(await listActions(world.stack, account)).toEqual([]);
    await world.screenshot(page, 'drawer-all-errors');

    // Each listed problem leads to its field; fixing one takes only its message away.
    await alert.getByRole('button', { name: 'A manual content message is required.' }).click();
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('contentMessage');
    await name.fill('Price list');
    await alert.getByText('Action name must be at most').waitFor({ state: 'detached' });
    expect(await alert.getByRole('listitem').count()).toBe(3);
  });

  it('while an upload is in flight, Save still lists the fields over their limit beside the wait', async () => {
    const account = await world.stack.createAccount();
    const { context, page, drawer } = await openNewDrawer(account);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 64 * 1024 });
    await drawer.getByLabel('Action name').fill('n'.repeat(101));
    await fileInput(page).setInputFiles([PDF('catalog.pdf', 4 * 1024 * 1024)]);
    await fileRow(page, 'catalog.pdf').getByRole('progressbar').waitFor();
    await drawer.getByRole('button', { name: 'Save' }).click();
    const alert = drawer.getByRole('alert');
    await alert.getByText('Not saved: 2 things to fix').waitFor();
    expect(await alert.getByRole('listitem').allTextContents()).toEqual([
      'Action name must be at most 100 characters (it has 101).',
      'Wait for the uploads to finish before saving.',
    ]);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
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
    const message = messageField(drawer);
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

  it('on a stale save, offers to load the other version or to keep one\'s own edit, and keeps it when asked', async () => {
    const account = await world.stack.createAccount();
    const action = await createAction(world.stack, account, { name: 'Price list' });
    const theirSave = async (name: string, expectedVersion: number) =>
      dataOf(
        await saveAction(world.stack.client, account.tokens.ADMIN, {
          id: action.id,
          agentId: account.agentId,
          name,
          trigger: action.trigger,
          contentMode: 'AI',
          attachmentIds: action.attachments.map((a) => a.id),
          expectedVersion,
        }),
        'saveSendAttachmentAction',
      ).saveSendAttachmentAction;
    const { page } = await world.openLibrary(account);
    await page.getByRole('button', { name: 'Edit Price list' }).click();
    const drawer = page.getByRole('dialog', { name: /^Edit “/ });
    await uploaded(page, 'price-list.pdf');
    await drawer.getByLabel('Action name').fill('Price list (mine)');

    // Another builder saves the same action meanwhile.
    await theirSave('Price list (theirs)', action.version);
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.getByText('This action changed while you were editing').waitFor();
    // The server's own words, in the banner and in the footer's alert.
    expect(await drawer.getByRole('alert').textContent()).toMatch(/Someone else saved this action first .*Reload to see their changes/);
    await world.screenshot(page, 'drawer-conflict');

    // "Load their version": the form shows theirs.
    await drawer.getByRole('button', { name: 'Load their version' }).click();
    const reloaded = page.getByRole('dialog', { name: 'Edit “Price list (theirs)”' });
    expect(await reloaded.getByLabel('Action name').inputValue()).toBe('Price list (theirs)');

    // Again, and this time the builder keeps their own edit: nothing they typed is lost.
    await reloaded.getByLabel('Action name').fill('Price list (merged)');
    await theirSave('Price list (theirs, again)', action.version + 1);
    await reloaded.getByRole('button', { name: 'Save' }).click();
    await drawer.getByText('This action changed while you were editing').waitFor();
    await drawer.getByRole('button', { name: 'Keep my changes' }).click();
    await drawer.getByText('Your changes are kept').waitFor();
    expect(await drawer.getByLabel('Action name').inputValue()).toBe('Price list (merged)');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect((await listActions(world.stack, account))[0]).toMatchObject({ name: 'Price list (merged)', version: action.version + 3 });
  });

  it('asks "Discard your changes?" before Escape, Cancel or ✕ drop an edit, and works from the keyboard', async () => {
    const account = await world.stack.createAccount();
    await createAction(world.stack, account, { name: 'Price list' });
    const { page } = await world.openLibrary(account);
    const openEdit = async () => {
      await page.getByRole('button', { name: 'Edit Price list' }).click();
      const drawer = page.getByRole('dialog', { name: 'Edit “Price list”' });
      await uploaded(page, 'price-list.pdf');
      await world.settle(page);
      return drawer;
    };
    const confirm = page.getByRole('dialog', { name: 'Discard your changes?' });
    const focused = () => page.evaluate('document.activeElement?.textContent?.trim()');

    // Escape over an edit: asked; "Keep editing" has the focus, Enter keeps the edit.
    let drawer = await openEdit();
    const name = drawer.getByLabel('Action name');
    await name.fill('Price list 2027');
    await page.keyboard.press('Escape');
    await confirm.waitFor();
    await world.settle(page);
    await world.screenshot(page, 'drawer-discard-confirm');
    expect(await focused()).toBe('Keep editing');
    await page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'detached' });
    expect(await name.inputValue()).toBe('Price list 2027');
    expect(await drawer.isVisible()).toBe(true);

    // ✕: asked; Escape answers "keep editing" too, and leaves the drawer open.
    await drawer.getByRole('button', { name: 'Close', exact: true }).click();
    await confirm.waitFor();
    await world.settle(page);
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    expect(await drawer.isVisible()).toBe(true);

    // Cancel: asked; Tab to "Discard changes" and Enter closes without saving.
    await drawer.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor();
    await world.settle(page);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Discard changes');
    await page.keyboard.press('Enter');
    await drawer.waitFor({ state: 'hidden' });
    expect((await listActions(world.stack, account))[0]!.name).toBe('Price list');

    // A removed file is a change too; undoing the edit is not: then Escape closes at once.
    drawer = await openEdit();
    await drawer.getByRole('button', { name: 'Remove price-list.pdf' }).click();
    await drawer.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Discard changes' }).click();
    await drawer.waitFor({ state: 'hidden' });
    drawer = await openEdit();
    await drawer.getByLabel('Action name').fill('Something else');
    await drawer.getByLabel('Action name').fill('Price list');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    expect(await confirm.count()).toBe(0);
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

  it('can be used with the keyboard alone: focus stays on what is worked on, arrows select, errors are tied to their control', async () => {
    const account = await world.stack.createAccount();
    const { context, page } = await world.openLibrary(account);
    // Each Enter on "Choose files" takes the next set. Listened to from the start: Playwright turns
    // on file-chooser interception asynchronously, so a listener added just before the key press
    // can miss the chooser on a busy machine.
    const choices = [
      [JPG(), PDF('price-list.pdf', 600 * 1024), PDF('terms.pdf')],
      [JPG()],
    ];
    page.on('filechooser', (chooser) => void chooser.setFiles(choices.shift()!));
    /** What has the focus: its accessible label or text, and the dialog it is in. */
    const focused = () =>
      page.evaluate(`(() => { const a = document.activeElement;
        return { label: a?.getAttribute('aria-label') || a?.textContent?.trim() || a?.tagName, dialog: a?.closest('[role=dialog]')?.getAttribute('aria-labelledby') ? document.getElementById(a.closest('[role=dialog]').getAttribute('aria-labelledby')).textContent : null }; })()`) as Promise<{ label: string; dialog: string | null }>;
    /** Tab (or Shift+Tab) until the focus is on `label`, as a keyboard user would. */
    async function tabTo(label: string | RegExp, back = false) {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
        const now = (await focused()).label;
        if (typeof label === 'string' ? now === label : label.test(now)) return;
      }
      throw new Error(`Tab never reached “${label}”`);
    }
    const drawerName = 'Add Send Attachment action';
    const drawer = page.getByRole('dialog', { name: drawerName });
    async function openNew(opener: number) {
      await page.getByRole('button', { name: 'Add action' }).nth(opener).waitFor();
      await page.getByRole('button', { name: 'Add action' }).nth(opener).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog', { name: 'Add action' }).waitFor();
      await world.settle(page);
      await tabTo(/^Send Attachment/);
      await page.keyboard.press('Enter');
      await drawer.waitFor();
      // The closed picker leaves the focus in the drawer (it used to pull it back out to Add action).
      await page.getByRole('dialog', { name: 'Add action' }).waitFor({ state: 'detached' });
      await world.settle(page);
      expect((await focused()).dialog).toBe(drawerName);
    }

    // From the empty state's Add action: after a save that button is gone.
    await openNew(1);

    // Save with no file: focus goes to "Choose files", inside the drawer, which the error describes.
    await tabTo('Save');
    await page.keyboard.press('Enter');
    await drawer.locator('#attachment-error').getByText('Please add at least one attachment.').waitFor();
    expect(await focused()).toEqual({ label: 'Choose files', dialog: drawerName });
    expect(await descriptionOf(page, '#choose-files')).toContain('Please add at least one attachment.');
    expect(await fileInput(page).getAttribute('aria-invalid')).toBe('true');

    // The radio group has a name, and the arrows select as they move (WAI-ARIA radio group).
    const modes = drawer.getByRole('radiogroup', { name: 'Content message' });
    await tabTo('Let AI fill', true);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => modes.getByRole('radio', { name: 'Set manually' }).isChecked()).toBe(true);
    expect((await focused()).label).toBe('Set manually');
    await messageField(drawer).waitFor();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => modes.getByRole('radio', { name: 'Let AI fill' }).isChecked()).toBe(true);
    await messageField(drawer).waitFor({ state: 'detached' });

    // Three files, one slowed down: its progress bar is named by its file.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 128 * 1024 });
    await tabTo('Choose files');
    await page.keyboard.press('Enter');
    const bar = drawer.getByRole('progressbar', { name: 'Uploading price-list.pdf' });
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuetext')).toMatch(/^\d+% uploaded$/);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    for (const name of ['menu.jpg', 'price-list.pdf', 'terms.pdf']) await uploaded(page, name);

    // Removing a file hands the focus to the next file's Remove, else the previous one's, else Choose files.
    await tabTo('Remove price-list.pdf');
    await page.keyboard.press('Enter');
    expect(await focused()).toEqual({ label: 'Remove terms.pdf', dialog: drawerName });
    await page.keyboard.press('Enter');
    expect(await focused()).toEqual({ label: 'Remove menu.jpg', dialog: drawerName });
    await page.keyboard.press('Enter');
    expect(await focused()).toEqual({ label: 'Choose files', dialog: drawerName });
    await drawer.getByRole('status').getByText('menu.jpg removed.').waitFor();

    // Every file removed again is no change: Escape closes the new drawer, and the focus goes back to its Add action.
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    await world.settle(page);
    await expect.poll(focused).toEqual({ label: 'Add action', dialog: null });

    // Again, saved this time: the empty state's Add action is gone, so the header's takes the focus.
    await openNew(1);
    await tabTo('Choose files');
    await page.keyboard.press('Enter');
    await drawer.getByRole('status').getByText('menu.jpg uploaded.').waitFor();
    await drawer.getByLabel('Action name').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Menu photo');
    await page.keyboard.press('Enter'); // submits the form
    await drawer.waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /Menu photo/ }).waitFor();
    await expect.poll(focused).toEqual({ label: 'Add action', dialog: null });
    expect(await page.getByRole('button', { name: 'Add action' }).count()).toBe(1);

    // An edit's drawer gives the focus back to the row's name.
    await page.getByRole('button', { name: 'Edit Menu photo' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Edit “Menu photo”' }).waitFor();
    await world.settle(page);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect.poll(focused).toEqual({ label: 'Edit Menu photo', dialog: null });
  });
});
