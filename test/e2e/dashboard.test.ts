import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Role, SEND_ATTACHMENT_FLAG } from '../../server/src/accounts/roles.js';
import { FILES } from '../support/files.js';
import { insertSends } from '../support/generated-sends.js';
import { addRoom, invoke, simulatorOf, waitFor, waitForFinalSend } from '../support/sends.js';
import type { TestAccount } from '../support/stack.js';
import { startAdminStack, type AdminStack } from './support/admin-stack.js';
import { createAction, createTrainedAction } from '../support/factories.js';
import { recordSends } from '../support/generated-sends.js';

const MB = 1024 * 1024;

/**
 * The PM's dashboard, history, drill-down, alerts and OPS page over real sends: delivered and
 * failed through the ChatService simulator by the delivery worker, or stopped by the pre-send
 * guards, exactly as the AI service would cause them.
 */
describe('Dashboard (browser)', () => {
  let world: AdminStack;
  /** 8 delivered (6 WhatsApp, 2 Telegram), one 5xx storm, one Instagram, one video over WhatsApp's limit. */
  let account: TestAccount;
  let accountName: string;
  let stormSendId: string;

  beforeAll(async () => {
    world = await startAdminStack({
      serverEnv: { WORKER_POLL_MS: '100', SEND_RETRY_DELAY_SECONDS: '1', QUEUE_MAINTENANCE_SECONDS: '1' },
      adminEnv: { NUXT_PUBLIC_ALERTS_POLL_SECONDS: '1' },
    });
    const { stack } = world;
    const sim = simulatorOf(stack);
    account = await stack.createAccount();
    [{ name: accountName }] = await stack.sql<{ name: string }[]>`select name from accounts where id = ${account.accountId}`;

    // Made before any request: building 17 MB can block this process (which also runs the
    // server) past the server's 5 s keep-alive, and the next request would meet a closed socket.
    const demoVideo = FILES.mp4(17 * MB);
    const prices = await createTrainedAction(stack, account, { name: 'Price list', files: [{ name: 'price-list.pdf', content: FILES.pdf(40_000) }] });
    const video = await createTrainedAction(stack, account, { name: 'Product video', files: [{ name: 'demo.mp4', content: demoVideo }] });
    const whatsapp = await addRoom(stack, account, 'whatsapp');
    const telegram = await addRoom(stack, account, 'telegram');
    const instagram = await addRoom(stack, account, 'instagram');

    const delivered = await Promise.all(
      [...Array(6).fill(whatsapp), ...Array(2).fill(telegram)].map((room, i) =>
        invoke(stack, account, { actionId: prices.id, conversationId: room, caption: `Prices ${i}`, idempotencyKey: `ok-${i}` }),
      ),
    );
    await Promise.all(delivered.map((r) => waitForFinalSend(stack, account, r.sendId!)));

    // ChatService answers 503 to every call: three attempts, then reason 5xx.
    await sim.setFaults({ status: 503 });
    stormSendId = (await invoke(stack, account, { actionId: prices.id, conversationId: whatsapp, idempotencyKey: 'storm' })).sendId!;
    expect(await waitForFinalSend(stack, account, stormSendId)).toMatchObject({ status: 'FAILED', reason: '5xx' });
    await sim.clearFaults();

    expect(await invoke(stack, account, { actionId: prices.id, conversationId: instagram })).toMatchObject({ reason: 'channel_unsupported' });
    expect(await invoke(stack, account, { actionId: video.id, conversationId: whatsapp })).toMatchObject({ reason: 'channel_limit_exceeded' });
  });
  afterEach(async () => {
    await world?.closeContexts();
  });
  afterAll(async () => {
    await world?.stop();
  });

  async function openAs(role: Role, path: string, who: TestAccount = account) {
    const opened = await world.open({ as: who.tokens[role] });
    await opened.page.goto(path);
    return opened;
  }

  /** The data rows of the table captioned `caption`. */
  const bodyRows = (page: Page, caption: string) => page.getByRole('table', { name: caption }).locator('tbody tr');
  const sendRows = (page: Page) => bodyRows(page, 'Sends, newest first');

  /** A table row's cells, trimmed. */
  async function cells(row: import('playwright-core').Locator) {
    return (await row.locator('th, td').allTextContents()).map((t) => t.trim());
  }

  it('shows the KPI tiles, charts and breakdowns of the real sends, and switches the range', async () => {
    const { page } = await openAs(Role.VIEWER, '/dashboard');
    await page.getByRole('heading', { name: 'Send Attachment dashboard', level: 1 }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'History' }).waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Actions', 'Dashboard', 'History', 'Alerts']);

    const tile = (name: string) => page.getByTestId(`kpi-${name}`);
    await tile('success-rate').getByText('72.7%').waitFor();
    expect(await tile('success-rate').textContent()).toContain('Below the 95% target');
    expect(await tile('sends').textContent()).toContain('11');
    expect(await tile('sends').textContent()).toContain('8 delivered');
    expect(await tile('failures').textContent()).toContain('3');
    expect(await tile('adoption').textContent()).toContain('100%');
    expect(await tile('adoption').textContent()).toContain('1 of 1 active agent');
    // Nothing finished the week before: the change in points has no base.
    expect(await tile('week-over-week').textContent()).toContain('72.7% in the last 7 days vs — before');

    const reasons = page.getByTestId('reasons');
    // In words, as the server labels them (failureReasons), not as codes.
    for (const reason of ['ChatService unavailable', 'Channel cannot carry files', "Over the channel's limits"]) {
      expect(await cells(reasons.getByRole('row', { name: new RegExp(`^${reason}`) }))).toEqual([reason, '1', '33.3%']);
    }
    const byChannel = page.getByTestId('by-channel');
    expect(await cells(byChannel.getByRole('row', { name: /^WhatsApp/ }))).toEqual(['WhatsApp', '6', '2', '75%']);
    expect(await cells(byChannel.getByRole('row', { name: /^Telegram/ }))).toEqual(['Telegram', '2', '0', '100%']);
    expect(await cells(byChannel.getByRole('row', { name: /^Instagram/ }))).toEqual(['Instagram', '0', '1', '0%']);
    const byAction = page.getByTestId('by-action');
    expect(await cells(byAction.getByRole('row', { name: /^Price list/ }))).toEqual(['Price list', '8', '2', '80%']);
    expect(await cells(byAction.getByRole('row', { name: /^Product video/ }))).toEqual(['Product video', '0', '1', '0%']);
    // Charts are drawn by Chart.js on canvases labelled for assistive technology.
    expect(await page.locator('canvas[role="img"]').count()).toBe(5);
    await world.screenshot(page, 'dashboard', { fullPage: true });

    await page.getByRole('button', { name: 'Last 24 hours' }).click();
    expect(await page.getByRole('button', { name: 'Per hour' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByText('Sends and failures per hour').waitFor();
    await page.getByText('Data table').click();
    const hourRows = page.getByRole('figure').filter({ hasText: 'Sends and failures per hour' }).locator('tbody tr');
    expect(await hourRows.count()).toBe(24);
    expect(await tile('sends').textContent()).toContain('11');

    // A custom range of whole UTC days picks days.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.getByRole('button', { name: 'Custom' }).click();
    await page.getByLabel('From (UTC day)').fill(day(-2));
    await page.getByLabel('To (UTC day, included)').fill(day(0));
    await page.getByRole('button', { name: 'Apply range' }).click();
    await page.getByText('Sends and failures per day').waitFor();
    expect(await page.getByRole('button', { name: 'Per day' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByText('Data table').click();
    const dayRows = page.getByRole('figure').filter({ hasText: 'Sends and failures per day' }).locator('tbody tr');
    expect(await dayRows.count()).toBe(3);
    expect(await tile('sends').textContent()).toContain('11');

    // 90 days by hour is more buckets than the server draws (its maxBuckets): not offered.
    await page.getByRole('button', { name: 'Last 90 days' }).click();
    await page.getByText('Sends and failures per week').waitFor();
    expect(await page.getByRole('button', { name: 'Per hour' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Per day' }).isDisabled()).toBe(false);
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    expect(await page.getByRole('button', { name: 'Per hour' }).isDisabled()).toBe(false);
    expect(await page.getByText(/choose a larger bucket/).count()).toBe(0);
  });

  it('shows the files a finished send never tried as "Not attempted", not "Pending"', async () => {
    const other = await world.stack.createAccount();
    const pages = await createTrainedAction(world.stack, other, {
      name: 'Catalog pages',
      files: ['page-1.pdf', 'page-2.pdf', 'page-3.pdf'].map((name, i) => ({ name, content: FILES.pdf(3000 + i) })),
    });
    const room = await addRoom(world.stack, other, 'whatsapp');
    const sim = simulatorOf(world.stack);
    await sim.setFaults({ status: 503 });
    let sendId: string;
    try {
      sendId = (await invoke(world.stack, other, { actionId: pages.id, conversationId: room })).sendId!;
      expect(await waitForFinalSend(world.stack, other, sendId)).toMatchObject({ status: 'FAILED' });
    } finally {
      await sim.clearFaults();
    }
    const { page } = await openAs(Role.VIEWER, `/history/${sendId}`, other);
    const files = bodyRows(page, 'Files of this send, in send order');
    await files.first().waitFor();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await cells(files.nth(i)))[3]);
    expect(statuses).toEqual(['Failed', 'Not attempted', 'Not attempted']);
  });

  it('shows a send a flag-off cancelled before its retry as Cancelled, with its files not sent', async () => {
    const other = await world.stack.createAccount();
    const pages = await createTrainedAction(world.stack, other, {
      name: 'Catalog pages',
      files: ['page-1.pdf', 'page-2.pdf'].map((name, i) => ({ name, content: FILES.pdf(3100 + i) })),
    });
    const room = await addRoom(world.stack, other, 'whatsapp');
    const sim = simulatorOf(world.stack);
    // The first attempt answers 503 with Retry-After: the send waits 5 s for its next run.
    await sim.setFaults({ status: 503, count: 1, retryAfterSeconds: 5 });
    let sendId: string;
    try {
      sendId = (await invoke(world.stack, other, { actionId: pages.id, conversationId: room })).sendId!;
      await waitFor(async () => (await world.stack.sql`select 1 from send_attempts where send_id = ${sendId}`)[0], { what: 'the first attempt' });
    } finally {
      await sim.clearFaults();
    }
    await world.stack.server.services.accounts.setFeatureFlag(other.accountId, SEND_ATTACHMENT_FLAG, false);
    expect(await waitForFinalSend(world.stack, other, sendId)).toMatchObject({ status: 'CANCELLED', reason: 'flag_off' });

    const { page } = await openAs(Role.VIEWER, `/history/${sendId}`, other);
    await page.getByTestId('send-reason').getByText('Cancelled: Send Attachment turned off', { exact: true }).waitFor();
    const files = bodyRows(page, 'Files of this send, in send order');
    await files.first().waitFor();
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await cells(files.nth(i)))[3]);
    expect(statuses).toEqual(['Not sent (cancelled)', 'Not sent (cancelled)']);
    expect(await page.getByRole('heading', { level: 1 }).locator('..').getByText('Cancelled').count()).toBe(1);
  });

  it('shows a firing alert as a live banner once the rules are evaluated', async () => {
    // An account of its own: nothing to alert on until its sends are written below, whatever the
    // every-minute schedule evaluates meanwhile.
    const live = await world.stack.createAccount();
    const brochure = await createAction(world.stack, live, { name: 'Brochure' });
    const { page } = await openAs(Role.ADMIN, '/dashboard', live);
    await page.getByTestId('kpi-success-rate').waitFor();
    const banners = page.getByRole('region', { name: 'Alerts' });
    expect(await banners.getAttribute('aria-live')).toBe('polite');
    expect(await banners.textContent()).toBe('');

    const at = new Date(Date.now() - 5 * 60_000);
    const base = { accountId: live.accountId, agentId: live.agentId, actionId: brochure.id, channel: 'whatsapp', at };
    await insertSends(world.stack.sql, { ...base, status: 'SENT', count: 8 });
    await insertSends(world.stack.sql, { ...base, status: 'FAILED', reason: '5xx', count: 3 });
    await world.stack.server.services.alerts.evaluate();
    // Polled (every second in this test): the page is not reloaded.
    await banners.getByText('Send success rate below 90% over the last hour').waitFor();
    expect(await banners.textContent()).toContain('Now: 72.7%.');
    expect(await banners.textContent()).toContain('For Hadiningbot on-call.');
    // Each banner says over what it was computed, in the server's words.
    expect(await banners.textContent()).toContain('Computed over: Sends that finished in the 60 minutes before the check; quiet under 10 finished sends.');
    // Minutes of sending are no sustained 24 hours: no rollback advice.
    expect(await banners.getByText(/rollback advised/).count()).toBe(0);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('kpi-success-rate').getByText('72.7%').waitFor();
    await world.screenshot(page, 'dashboard-alert');

    // A reader sees the failing sends but cannot acknowledge.
    const viewer = await openAs(Role.VIEWER, '/dashboard', live);
    const viewerBanner = viewer.page.getByTestId('alert-banner');
    await viewerBanner.getByRole('link', { name: 'See the failed sends' }).waitFor();
    expect(await viewerBanner.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);

    // The banner links to the failed sends of the hour the rule looked at.
    const banner = page.getByTestId('alert-banner');
    await banner.getByRole('link', { name: 'See the failed sends' }).click();
    await page.waitForURL(/\/history\?/);
    expect(new URL(page.url()).searchParams.get('status')).toBe('FAILED');
    await page.getByTestId('history-count').getByText('3 sends match the filters.').waitFor();
    await page.goBack();

    // Acknowledged: the banner stays (the rule still fires) and says who is on it.
    await banner.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByRole('region', { name: 'Notifications' }).getByText('Alert acknowledged', { exact: true }).waitFor();
    await banner.getByText(/^Acknowledged by Admin token [0-9a-f]{8}, /).waitFor();
    expect(await banner.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);

    // The alert history lists the firing and the acknowledgement, newest first.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alert history', level: 1 }).waitFor();
    const events = bodyRows(page, 'Alert history, newest first');
    await events.first().waitFor();
    expect((await cells(events.nth(0))).slice(1)).toEqual(['Acknowledged', 'Send success rate below 90% over the last hour', '72.7%', expect.stringMatching(/^Admin token [0-9a-f]{8}$/)]);
    expect((await cells(events.nth(1))).slice(1)).toEqual(['Fired', 'Send success rate below 90% over the last hour', '72.7%', '–']);
    expect(await events.count()).toBe(2);
    await world.screenshot(page, 'alert-history');
  });

  it('filters the history, follows a reason from the dashboard, and drills into a send with its attempts', async () => {
    const { page } = await openAs(Role.VIEWER, '/history');
    const iconWarnings: string[] = [];
    page.on('console', (message) => {
      if (/icon/i.test(message.text())) iconWarnings.push(message.text());
    });
    const count = page.getByTestId('history-count');
    await count.getByText('11 sends match.').waitFor();
    // The selects' chevrons are Nuxt UI's own icons: they must be in the offline bundle.
    const chevron = page.getByRole('combobox', { name: 'Action' }).locator('.iconify');
    await expect.poll(() => chevron.evaluate((el) => {
      // These tests compile without the DOM's types.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs in the page, where the DOM types are not loaded
      const style = (globalThis as any).getComputedStyle(el);
      return String(style.maskImage || style.webkitMaskImage);
    })).toMatch(/^url\(/);
    expect(iconWarnings).toEqual([]);
    expect(await sendRows(page).count()).toBe(11);

    await page.getByRole('checkbox', { name: 'Failed' }).click();
    await count.getByText('3 sends match the filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('FAILED');
    await page.getByRole('checkbox', { name: 'Telegram', exact: true }).click();
    await page.getByTestId('history-empty').getByText('No sends match these filters').waitFor();
    await page.getByRole('checkbox', { name: 'Telegram', exact: true }).click();
    await page.getByRole('checkbox', { name: "Over the channel's limits", exact: true }).click();
    await count.getByText('1 send matches the filters.').waitFor();
    expect(await sendRows(page).textContent()).toContain('Product video');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await count.getByText('11 sends match.').waitFor();

    await page.getByRole('combobox', { name: 'Action' }).click();
    await page.getByRole('option', { name: 'Product video' }).click();
    await count.getByText('1 send matches the filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    const instagramRoom = (await sendRows(page).filter({ hasText: 'Instagram' }).locator('td').nth(5).textContent())!.trim();
    await page.getByLabel('Conversation').fill(instagramRoom);
    await page.getByLabel('Conversation').press('Enter');
    await count.getByText('1 send matches the filters.').waitFor();
    expect(await sendRows(page).textContent()).toContain('Channel cannot carry files');
    await world.screenshot(page, 'history-filtered');

    // From the dashboard's reason mix to the history, with the dashboard's time range.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('link', { name: 'ChatService unavailable: show these sends' }).click();
    await count.getByText('1 send matches the filters.').waitFor();
    const params = new URL(page.url()).searchParams;
    expect([params.get('reason'), params.get('status'), !!params.get('from'), !!params.get('to')]).toEqual(['5xx', 'FAILED', true, true]);

    await page.getByRole('link', { name: /^Details of the send/ }).click();
    await page.waitForURL(`**/history/${stormSendId}`);
    await page.getByRole('heading', { name: /^Send of / }).waitFor();
    expect(await page.getByTestId('send-reason').textContent()).toContain('Failed: ChatService unavailable');
    // The code stays readable among the facts, for a support request.
    expect(await page.locator('dl').first().textContent()).toContain('Reason code5xx');
    const file = bodyRows(page, 'Files of this send, in send order');
    expect((await cells(file)).slice(1, 4)).toEqual(['price-list.pdf', '39 KB', 'Failed']);
    const attempts = bodyRows(page, 'Delivery attempts, in order');
    expect(await attempts.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      const [attempt, fileName, started, status, duration, , answer] = await cells(attempts.nth(i));
      expect([attempt, fileName, status]).toEqual([String(i + 1), 'price-list.pdf', '503']);
      // The start of ChatService's own answer, as the simulator worded its refusal.
      expect(answer).toContain('Simulated failure');
      expect(started).toMatch(/\d{1,2}:\d{2}:\d{2}/);
      expect(duration).toMatch(/^\d+ ms$|^\d+(\.\d)? s$/);
    }
    await world.screenshot(page, 'send-detail');

    await page.getByRole('link', { name: 'Back to the history' }).click();
    await count.getByText('1 send matches the filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('reason')).toBe('5xx');
  });

  it('pages through a long history with Load more', async () => {
    const other = await world.stack.createAccount();
    const brochure = await createAction(world.stack, other, { name: 'Brochure' });
    // Rows as the runtime writes them; 30 real deliveries would only slow the test down.
    await recordSends(world.stack, other, brochure.id, { sent: 27, failed: 3 });
    const { page } = await openAs(Role.VIEWER, '/history', other);
    const count = page.getByTestId('history-count');
    await count.getByText('30 sends match; showing 25.').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await count.getByText('30 sends match.').waitFor();
    expect(await sendRows(page).count()).toBe(30);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });

  it('downloads the CSV of the current filter', async () => {
    const { page } = await openAs(Role.VIEWER, '/history?status=FAILED');
    await page.getByTestId('history-count').getByText('3 sends match the filters.').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^sends-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    const header = csv[0]!.split(',');
    expect(header).toContain('reason');
    expect(csv).toHaveLength(4);
    const reasonAt = header.indexOf('reason');
    expect(csv.slice(1).map((line) => line.split(',')[reasonAt]).sort()).toEqual(['5xx', 'channel_limit_exceeded', 'channel_unsupported']);
  });

  it('shows the empty states of an account without sends', async () => {
    const empty = await world.stack.createAccount();
    const { page } = await openAs(Role.ADMIN, '/dashboard', empty);
    await page.getByTestId('dashboard-empty').getByText('No finished sends in this range').waitFor();
    expect(await page.getByTestId('kpi-success-rate').textContent()).toContain('No finished sends in this range');
    await world.screenshot(page, 'dashboard-empty');
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByTestId('history-empty').getByText('No sends yet').waitFor();
  });

  it('advises rollback on OPS only after 24 sustained hours, and lets OPS turn the flag off (after confirming) and on again', async () => {
    // An account whose every hour of the last 24 went below 80%, as the runtime would record it.
    const failing = await world.stack.createAccount();
    const [{ name: failingName }] = await world.stack.sql<{ name: string }[]>`select name from accounts where id = ${failing.accountId}`;
    const brochure = await createAction(world.stack, failing, { name: 'Brochure' });
    const thisHour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    for (let h = 1; h <= 24; h++) {
      const at = new Date(thisHour - h * 3_600_000 + 30 * 60_000);
      for (const [status, count] of [['SENT', 6], ['FAILED', 4]] as const) {
        await insertSends(world.stack.sql, { accountId: failing.accountId, agentId: failing.agentId, actionId: brochure.id, channel: 'whatsapp', status, reason: status === 'FAILED' ? '5xx' : null, at, count });
      }
    }
    await world.stack.server.services.alerts.evaluate();

    const { page } = await openAs(Role.OPS, '/', failing);
    // OPS reads no configuration: the admin opens on the dashboard, with the OPS page offered.
    await page.waitForURL('**/dashboard');
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'OPS' }).waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Dashboard', 'History', 'Alerts', 'OPS']);
    await nav.getByRole('link', { name: 'OPS' }).click();

    const row = page.getByRole('row', { name: new RegExp(`^${failingName}`) });
    await row.getByText('Rollback advised').waitFor();
    expect(await cells(row)).toEqual([`${failingName} Rollback advised`, 'On', '144', '96', '60%', 'Turn off']);
    const banners = page.getByRole('region', { name: 'Alerts' });
    await banners.getByText(`${failingName}: Success rate below 80% for 24 hours: rollback advised`).waitFor();
    expect(await banners.textContent()).toContain('Now: 60% over the last 24 whole hours.');
    expect(await banners.textContent()).toMatch(/Computed over: Each of the last 24 whole UTC hours on its own/);
    // The account of the first tests failed minutes ago, not for 24 hours: no advice.
    const recent = page.getByRole('row', { name: new RegExp(`^${accountName}`) });
    expect(await cells(recent)).toEqual([accountName, 'On', '8', '3', '72.7%', 'Turn off']);

    await row.getByRole('button', { name: `Turn off Send Attachment for ${failingName}` }).click();
    const dialog = page.getByRole('dialog', { name: `Turn Send Attachment off for “${failingName}”?` });
    await dialog.waitFor();
    await world.screenshot(page, 'ops-confirm');
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await page.getByText(`Send Attachment turned off for “${failingName}”`, { exact: true }).waitFor();
    await row.getByRole('button', { name: `Turn on Send Attachment for ${failingName}` }).waitFor();
    expect((await cells(row))[1]).toBe('Off');
    await world.screenshot(page, 'ops');

    // The AI service's next call is refused.
    expect(await invoke(world.stack, failing, { actionId: brochure.id, conversationId: 'any-room' })).toMatchObject({ status: 'REJECTED', reason: 'FEATURE_DISABLED' });

    await row.getByRole('button', { name: `Turn on Send Attachment for ${failingName}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Turn on' }).click();
    await row.getByRole('button', { name: `Turn off Send Attachment for ${failingName}` }).waitFor();

    // Both changes are in the audit, newest first, with the OPS token that made them.
    const changes = bodyRows(page, 'Feature flag changes, newest first').filter({ hasText: failingName });
    await expect.poll(() => changes.count()).toBe(3);
    const by = expect.stringMatching(/^OPS token [0-9a-f]{8}$/);
    expect((await cells(changes.nth(0))).slice(1)).toEqual([failingName, 'ai_agent_send_attachment_action: Off → On', by]);
    expect((await cells(changes.nth(1))).slice(1)).toEqual([failingName, 'ai_agent_send_attachment_action: On → Off', by]);
    // The account was created with the flag on, by the operator's path (the test stack's).
    expect((await cells(changes.nth(2)))[2]).toBe('ai_agent_send_attachment_action: Never set (off) → On');
  });
});
