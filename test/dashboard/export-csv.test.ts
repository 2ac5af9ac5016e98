import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRows } from '../../server/src/sends/sends.export.js';
import { FILES } from '../support/files.js';
import { insertSends } from '../support/generated-sends.js';
import { saveAction, uploadFile } from '../support/operations.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

/** Splits CSV text into rows of cells (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe('GET /exports/sends.csv', () => {
  let stack: TestStack;
  let acme: TestAccount;
  let actionId: string;
  const T = new Date('2026-10-01T12:00:00Z');

  const download = (token: string | null, query = '') =>
    fetch(`${stack.server.url}/exports/sends.csv${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.createAccount();
    const staged = (await uploadFile(stack.client, acme.tokens.ADMIN, { name: 'f.pdf', content: FILES.pdf(999) })).data!.uploadAttachment.id;
    actionId = (await saveAction(stack.client, acme.tokens.ADMIN, { agentId: acme.agentId, name: 'Price, "2026"', attachmentIds: [staged] }))
      .data!.saveSendAttachmentAction.id;
    const base = { accountId: acme.accountId, agentId: acme.agentId, actionId };
    await insertSends(stack.sql, { ...base, channel: 'whatsapp', status: 'SENT', at: T, count: 2400 });
    await insertSends(stack.sql, { ...base, channel: 'telegram', status: 'FAILED', reason: '5xx', at: new Date(T.getTime() + 60_000), count: 30 });
    await stack.sql`update sends set caption = '=HYPERLINK("http://evil")' where account_id = ${acme.accountId} and channel = 'telegram'`;
    await stack.sql`update sends set is_test = true where id in (select id from sends where account_id = ${acme.accountId} and channel = 'telegram' limit 3)`;
  });
  afterAll(() => stack?.stop());

  it('streams every matching send, newest first, across pages', async () => {
    const res = await download(acme.tokens.VIEWER);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="sends-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([
      'send_id', 'created_at', 'completed_at', 'status', 'reason', 'channel', 'agent_id', 'action_id',
      'action_name', 'conversation_id', 'file_count', 'failed_attempts', 'caption', 'reason_label', 'is_test',
    ]);
    const data = rows.slice(1);
    expect(data).toHaveLength(2430);
    expect(new Set(data.map((r) => r[0])).size).toBe(2430);
    expect(data.slice(0, 30).every((r) => r[3] === 'FAILED')).toBe(true);
    expect(data[0]![8]).toBe('Price, "2026"');
    // A builder's test sends are in the export, marked.
    expect(data.filter((r) => r[14] === 'true')).toHaveLength(3);
    expect(data.filter((r) => r[14] === 'false')).toHaveLength(2427);
  });

  it('applies the filters of `sends`', async () => {
    const rows = parseCsv(await (await download(acme.tokens.ADMIN, '?status=FAILED&channel=telegram&reason=5xx')).text()).slice(1);
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r[3] === 'FAILED' && r[4] === '5xx' && r[5] === 'telegram' && r[13] === 'ChatService unavailable')).toBe(true);
    const none = parseCsv(await (await download(acme.tokens.ADMIN, `?from=${new Date(T.getTime() + 3600_000).toISOString()}`)).text());
    expect(none).toHaveLength(1);
  });

  it('defuses spreadsheet formulas in cells', async () => {
    const rows = parseCsv(await (await download(acme.tokens.ADMIN, '?status=FAILED')).text()).slice(1);
    expect(rows[0]![12]).toBe(`'=HYPERLINK("http://evil")`);
    expect(csvRows([['=1', '-1', '+1', '@x', '\tx', '\rx', 'plain', 'a\nb', null]])).toBe(`'=1,'-1,'+1,'@x,'\tx,"'\rx",plain,"a\nb",\r\n`);
  });

  it("exports only the caller's account", async () => {
    const other = await stack.createAccount();
    const rows = parseCsv(await (await download(other.tokens.ADMIN)).text());
    expect(rows).toHaveLength(1);
  });

  it('refuses without a token, for the AI service, and for a bad filter, as JSON', async () => {
    const anonymous = await download(null);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const ai = await download(acme.tokens.AI_SERVICE);
    expect(ai.status).toBe(403);
    const bad = await download(acme.tokens.ADMIN, '?from=yesterday');
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    const badStatus = await download(acme.tokens.ADMIN, '?status=LOST');
    expect((await badStatus.json()).errors[0].extensions).toMatchObject({ field: 'status' });
  });
});
