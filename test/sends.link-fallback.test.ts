import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DownloadLinks } from '../server/src/sends/download-links.js';
import { secretBoxFor, SecretBox } from '../server/src/infra/secrets/secrets.js';
import { FILES } from './support/files.js';
import { addRoom, eventsOf, invoke, simulatorOf, waitForFinalSend, type SimulatorControl } from './support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from './support/stack.js';
import { createAction, createTrainedAction } from './support/factories.js';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const PUBLIC_URL = 'https://files.example.test';
const DAY_MS = 24 * 60 * 60 * 1000;

/** The download link in a text message, and the same path on the test server (PUBLIC_URL is not reachable here). */
function linkIn(text: string, stack: TestStack): { url: string; local: string; token: string } {
  const url = /https:\/\/files\.example\.test\/d\/\S+/.exec(text)?.[0];
  if (!url) throw new Error(`no download link in ${JSON.stringify(text)}`);
  const path = new URL(url).pathname;
  return { url, local: `${stack.server.url}${path}`, token: path.slice('/d/'.length) };
}

/**
 * The link fallback (issue 12 item 4): a file the channel cannot carry goes as a signed,
 * expiring download link when the action allows it; over the real server, worker and simulator.
 */
describe('link fallback', () => {
  let stack: TestStack;
  let sim: SimulatorControl;
  let account: TestAccount;

  beforeAll(async () => {
    stack = await startTestStack({ PUBLIC_URL, WORKER_POLL_MS: '100', SEND_RETRY_DELAY_SECONDS: '1' });
    sim = simulatorOf(stack);
    account = await stack.createAccount();
  });
  afterAll(() => stack?.stop());
  afterEach(() => sim.clearFaults());

  it('is off unless the builder turns it on, and a save without it keeps the stored choice', async () => {
    const off = await createAction(stack, account, { files: [{ name: 'a.pdf', content: FILES.pdf() }] });
    const read = async (id: string) =>
      (await stack.client.query(account.tokens.VIEWER, `query($a: ID!) { actions(agentId: $a) { id linkFallback } }`, { a: account.agentId })).data.actions.find(
        (a: { id: string }) => a.id === id,
      );
    expect(await read(off.id)).toMatchObject({ linkFallback: false });
    const save = (input: Record<string, unknown>) =>
      stack.client.query(
        account.tokens.ADMIN,
        `mutation($input: SaveSendAttachmentActionInput!) { saveSendAttachmentAction(input: $input) { id linkFallback } }`,
        { input: { id: off.id, agentId: account.agentId, name: 'A', trigger: 'When asked.', contentMode: 'AI', attachmentIds: off.attachments.map((a) => a.id), ...input } },
      );
    expect((await save({ linkFallback: true })).data.saveSendAttachmentAction.linkFallback).toBe(true);
    expect((await save({})).data.saveSendAttachmentAction.linkFallback).toBe(true);
    expect((await save({ linkFallback: false })).data.saveSendAttachmentAction.linkFallback).toBe(false);
  });

  it('sends a LINE customer a PDF as a link (with the caption) and the image as itself; the link serves the exact bytes', async () => {
    const pdf = FILES.pdf(200_000);
    const png = FILES.png(50_000);
    const action = await createTrainedAction(stack, account, {
      name: 'Price list with link',
      files: [
        { name: 'Price list 2027.pdf', content: pdf },
        { name: 'catalog.png', content: png },
      ],
      linkFallback: true,
    });
    const room = await addRoom(stack, account, 'line');
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room, caption: 'Here are our prices.' });
    expect(receipt).toMatchObject({ status: 'QUEUED', reason: null });

    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send.status).toBe('SENT');
    expect(send.files.map((f: { delivery: string; status: string }) => [f.delivery, f.status])).toEqual([
      ['AS_LINK', 'DELIVERED'],
      ['AS_FILE', 'DELIVERED'],
    ]);

    const inbox = await sim.inbox(room);
    expect(inbox.map((m) => m.type)).toEqual(['text', 'image']);
    const [text, image] = inbox;
    expect(text!.caption).toMatch(/^Here are our prices\.\n\nPrice list 2027\.pdf \(195\.3 KB\): https:\/\/files\.example\.test\/d\/\S+\nThis download link works until \d{1,2} \w+ \d{4} \(UTC\)\.$/);
    // The caption went with the link, not again with the image.
    expect(image).toMatchObject({ fileName: 'catalog.png', sha256: sha(png), caption: null });

    const link = linkIn(text!.caption!, stack);
    const res = await fetch(link.local);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Price list 2027.pdf"`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('content-length')).toBe(String(pdf.length));
    const body = Buffer.from(await res.arrayBuffer());
    expect(sha(body)).toBe(sha(pdf));
    // Nothing about the account in the answer.
    expect([...res.headers.values()].join(' ')).not.toContain(account.accountId);

    const head = await fetch(link.local, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(pdf.length));

    const [sent] = await eventsOf(stack, account.accountId, 'ai_agent_attachment_sent').then((rows) =>
      rows.filter((r) => r.properties.send_id === receipt.sendId),
    );
    expect(sent!.properties).toMatchObject({ file_count: 2, link_file_count: 1, channel: 'line' });
  });

  it('expires after DOWNLOAD_LINK_TTL_DAYS (7 by default), and a link signed with a previous key still works', async () => {
    expect(stack.config.downloadLinkTtlDays).toBe(7);
    const [file] = await stack.sql<{ id: string }[]>`select id from send_files where delivery = 'AS_LINK' limit 1`;
    const box = secretBoxFor(stack.config);
    const links = new DownloadLinks(box, { publicUrl: stack.server.url, ttlDays: 7 });
    const expired = links.create(file!.id, Date.now() - 7 * DAY_MS - 1000);
    const res = await fetch(expired.url);
    expect(res.status).toBe(410);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toContain('This download link has expired');
    // Just inside its week: still served.
    expect((await fetch(links.create(file!.id, Date.now() - 7 * DAY_MS + 60_000).url)).status).toBe(200);
  });

  it('refuses forged, altered, malformed and not-linked tokens alike, with a plain 404 and no detail', async () => {
    const [linked] = await stack.sql<{ id: string }[]>`select id from send_files where delivery = 'AS_LINK' limit 1`;
    const [plain] = await stack.sql<{ id: string }[]>`select id from send_files where delivery = 'AS_FILE' and status = 'DELIVERED' limit 1`;
    const ours = new DownloadLinks(secretBoxFor(stack.config), { publicUrl: stack.server.url, ttlDays: 7 });
    const good = ours.create(linked!.id).url;
    const token = good.slice(good.lastIndexOf('/') + 1);
    const [id, expires, signature] = token.split('.') as [string, string, string];
    const otherKey = new DownloadLinks(new SecretBox(crypto.randomBytes(32)), { publicUrl: stack.server.url, ttlDays: 7 });
    const tokens = [
      `${id}.${expires}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`, // altered signature
      `${id}.${Number(expires) + 86_400}.${signature}`, // a longer life, same signature
      `${plain!.id}.${expires}.${signature}`, // another file, same signature
      otherKey.create(linked!.id).url.split('/').pop()!, // signed with a key the server does not know
      ours.create(plain!.id).url.split('/').pop()!, // correctly signed, but that file went as a file
      ours.create(crypto.randomUUID()).url.split('/').pop()!, // correctly signed, no such file
      `${id}%2F..%2F${expires}`, // an encoded slash stays one segment (`..` alone is resolved away by any client)
      '%00',
      `${id}.${expires}.${signature}%00`,
      'x'.repeat(4000),
      `${id.toUpperCase()}.${expires}.${signature}`,
    ];
    for (const t of tokens) {
      const res = await fetch(`${stack.server.url}/d/${t}`);
      expect(res.status, t.slice(0, 80)).toBe(404);
      const text = await res.text();
      expect(text, t.slice(0, 80)).toBe('This download link is not valid, or the file is no longer available.\n');
    }
    // No listing either.
    expect((await fetch(`${stack.server.url}/d/`)).status).toBe(404);
  });

  it('sends a link when ChatService itself refuses the file (413), and the dashboard counts files sent as links', async () => {
    const pdf = FILES.pdf(10_000);
    const action = await createTrainedAction(stack, account, { name: 'Brochure', files: [{ name: 'brochure.pdf', content: pdf }], linkFallback: true });
    const room = await addRoom(stack, account, 'whatsapp');
    await sim.setFaults({ status: 413, count: 1 });
    const receipt = await invoke(stack, account, { actionId: action.id, conversationId: room });
    const send = await waitForFinalSend(stack, account, receipt.sendId!);
    expect(send.status).toBe('SENT');
    expect(send.files[0]).toMatchObject({ delivery: 'AS_LINK', status: 'DELIVERED' });
    expect(send.attempts.map((a) => a.httpStatus)).toEqual([413, 201]);
    const [text] = await sim.inbox(room);
    expect(text).toMatchObject({ type: 'text' });
    const res = await fetch(linkIn(text!.caption!, stack).local);
    expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(pdf));

    const stats = await stack.client.query(
      account.tokens.VIEWER,
      `query($from: DateTime!, $to: DateTime!) { sendStats(from: $from, to: $to, bucket: DAY) { sent filesSentAsLinks } }`,
      { from: new Date(Date.now() - DAY_MS).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
    );
    expect(stats.errors).toBeUndefined();
    expect(stats.data.sendStats.filesSentAsLinks).toBe(2);
    const line = await stack.client.query(
      account.tokens.VIEWER,
      `query($from: DateTime!, $to: DateTime!) { sendStats(from: $from, to: $to, bucket: DAY, channel: "line") { filesSentAsLinks } }`,
      { from: new Date(Date.now() - DAY_MS).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
    );
    expect(line.data.sendStats.filesSentAsLinks).toBe(1);
  });

  it('still fails without the fallback, and never sends a link where the channel carries no attachments (Instagram)', async () => {
    const files = [{ name: 'prices.pdf', content: FILES.pdf() }];
    const without = await createTrainedAction(stack, account, { name: 'No links', files });
    const line = await addRoom(stack, account, 'line');
    const refused = await invoke(stack, account, { actionId: without.id, conversationId: line });
    expect(refused).toMatchObject({ status: 'FAILED', reason: 'channel_limit_exceeded' });

    const withLinks = await createTrainedAction(stack, account, { name: 'Links', files, linkFallback: true });
    const instagram = await addRoom(stack, account, 'instagram');
    const unsupported = await invoke(stack, account, { actionId: withLinks.id, conversationId: instagram });
    expect(unsupported).toMatchObject({ status: 'FAILED', reason: 'channel_unsupported' });
    expect(await sim.inbox(line)).toEqual([]);
    expect(await sim.inbox(instagram)).toEqual([]);
  });
});
