import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { UPLOAD, uploadFile } from '../support/operations.js';
import { waitFor } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const MAX = 78_643_200;

describe('uploadAttachment', () => {
  let stack: TestStack;
  let acme: TestAccount;
  const admin = () => acme.tokens.ADMIN;

  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.createAccount();
  });
  afterAll(() => stack?.stop());

  const stagedRows = async () =>
    (await stack.sql`select count(*)::int as n from attachments where account_id = ${acme.accountId}`)[0]!.n as number;

  it('stages a valid file with its kind, MIME type, size and sha256', async () => {
    const content = FILES.pdf(5000);
    const res = await uploadFile(stack.client, admin(), { name: 'Price list 2026.pdf', content });
    expect(res.errors).toBeUndefined();
    expect(res.data!.uploadAttachment).toMatchObject({
      fileName: 'Price list 2026.pdf',
      mimeType: 'application/pdf',
      kind: 'document',
      sizeBytes: 5000,
      sha256: (await import('node:crypto')).createHash('sha256').update(content).digest('hex'),
    });
  });

  it.each([
    { name: 'catalog.png', content: FILES.png(), kind: 'image' },
    { name: 'photo.JPG', content: FILES.jpg(), kind: 'image' },
    { name: 'banner.gif', content: FILES.gif(), kind: 'image' },
    { name: 'demo.mp4', content: FILES.mp4(), kind: 'video' },
    { name: 'jingle.mp3', content: FILES.mp3(), kind: 'audio' },
    { name: 'terms.docx', content: FILES.docx(), kind: 'document' },
    { name: 'notes.txt', content: FILES.txt('Ünïcödé prices ✓\n'), kind: 'document' },
  ])('accepts $name as $kind', async ({ name, content, kind }) => {
    const res = await uploadFile(stack.client, admin(), { name, content });
    expect(res.errors).toBeUndefined();
    expect(res.data!.uploadAttachment.kind).toBe(kind);
  });

  describe('refuses bad files with a reason, storing nothing', () => {
    it.each([
      { label: 'a 0-byte file with EMPTY_FILE', name: 'empty.pdf', content: Buffer.alloc(0), reason: 'EMPTY_FILE' },
      { label: 'an unaccepted extension with UNSUPPORTED_TYPE', name: 'setup.exe', content: FILES.elf(), reason: 'UNSUPPORTED_TYPE' },
      { label: 'a file without extension with UNSUPPORTED_TYPE', name: 'README', content: FILES.txt(), reason: 'UNSUPPORTED_TYPE' },
      { label: 'a PNG named .pdf with TYPE_MISMATCH', name: 'invoice.pdf', content: FILES.png(), reason: 'TYPE_MISMATCH' },
      { label: 'an ELF executable named .jpg with TYPE_MISMATCH', name: 'photo.jpg', content: FILES.elf(), reason: 'TYPE_MISMATCH' },
      { label: 'binary bytes named .txt with TYPE_MISMATCH', name: 'notes.txt', content: FILES.png(), reason: 'TYPE_MISMATCH' },
      // Invalid UTF-8, and not Windows-1252 text either: 0x01 is a control byte.
      { label: 'bytes that are no accepted text encoding named .csv with TYPE_MISMATCH', name: 'prices.csv', content: Buffer.from([0x61, 0xc3, 0x28, 0x01, 0x62]), reason: 'TYPE_MISMATCH' },
    ])('$label', async ({ name, content, reason }) => {
      const before = await stagedRows();
      const filesBefore = (await stack.storedFiles()).length;
      const res = await uploadFile(stack.client, admin(), { name, content });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file', reason });
      expect(res.errors?.[0]?.message).toMatch(/\S/);
      expect(await stagedRows()).toBe(before);
      expect((await stack.storedFiles()).length).toBe(filesBefore);
    });

    it('a file of 75 MB + 1 byte with FILE_TOO_LARGE', async () => {
      const before = await stagedRows();
      const filesBefore = (await stack.storedFiles()).length;
      const res = await uploadFile(stack.client, admin(), { name: 'huge.pdf', content: FILES.pdf(MAX + 1) });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'FILE_TOO_LARGE' });
      expect(res.errors?.[0]?.message).toContain('75 MB');
      expect(await stagedRows()).toBe(before);
      expect((await stack.storedFiles()).length).toBe(filesBefore);
    });
  });

  it('accepts a file of exactly 75 MB', async () => {
    const res = await uploadFile(stack.client, admin(), { name: 'max.pdf', content: FILES.pdf(MAX) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.uploadAttachment.sizeBytes).toBe(MAX);
  });

  describe('file names', () => {
    it('strips path parts from a name with ../', async () => {
      const res = await uploadFile(stack.client, admin(), { name: '../../etc/passwd.pdf', content: FILES.pdf() });
      expect(res.data!.uploadAttachment.fileName).toBe('passwd.pdf');
    });

    it('strips control characters and keeps Unicode', async () => {
      const res = await uploadFile(stack.client, admin(), {
        name: 'Daftar\t harga\u0085 — 価格表\u202e.pdf',
        content: FILES.pdf(),
      });
      expect(res.data!.uploadAttachment.fileName).toBe('Daftar harga — 価格表.pdf');
    });

    it('refuses a NUL byte in the part header as a malformed request', async () => {
      const res = await uploadFile(stack.client, admin(), { name: 'a\u0000b.pdf', content: FILES.pdf() });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MALFORMED_REQUEST' });
    });

    it('trims a long name to 255 bytes, keeping the extension and whole characters', async () => {
      const res = await uploadFile(stack.client, admin(), { name: `${'価'.repeat(120)}.pdf`, content: FILES.pdf() });
      const name: string = res.data!.uploadAttachment.fileName;
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      expect(name.endsWith('.pdf')).toBe(true);
      expect(name).toMatch(/^価+\.pdf$/);
    });
  });

  describe('refused before the body is read', () => {
    it('answers UNAUTHENTICATED without a token', async () => {
      const res = await uploadFile(stack.client, null as never, { name: 'a.pdf', content: FILES.pdf() });
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('answers UNAUTHENTICATED with an unknown token', async () => {
      const res = await uploadFile(stack.client, 'sat_not-a-real-token', { name: 'a.pdf', content: FILES.pdf() });
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('refuses a multipart request without the CSRF preflight header', async () => {
      const res = await stack.client.upload(
        admin(),
        UPLOAD,
        { file: null },
        [{ path: 'variables.file', file: { name: 'a.pdf', content: FILES.pdf() } }],
        { preflight: false },
      );
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MALFORMED_REQUEST' });
    });
  });

  it('refuses a VIEWER with FORBIDDEN', async () => {
    const res = await uploadFile(stack.client, acme.tokens.VIEWER, { name: 'a.pdf', content: FILES.pdf() });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses with FEATURE_DISABLED while the flag is off', async () => {
    const off = await stack.createAccount({ flag: false });
    const res = await uploadFile(stack.client, off.tokens.ADMIN, { name: 'a.pdf', content: FILES.pdf() });
    expect(res.errors?.[0]?.extensions?.code).toBe('FEATURE_DISABLED');
  });

  describe('malformed multipart bodies get a JSON error, never a 500', () => {
    const post = (body: string, boundary = 'XyZ') =>
      fetch(`${stack.server.url}/graphql`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${admin()}`,
          'apollo-require-preflight': 'true',
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        body,
      });
    const part = (name: string, value: string) =>
      `--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const filePart = (name: string, filename: string, value: string) =>
      `--XyZ\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/pdf\r\n\r\n${value}\r\n`;
    const operations = JSON.stringify({ query: UPLOAD, variables: { file: null } });

    it.each([
      ['operations that are not JSON', part('operations', '{not json') + part('map', '{}') + '--XyZ--\r\n'],
      ['a map that is not JSON', part('operations', operations) + part('map', '[oops') + '--XyZ--\r\n'],
      ['a missing map', part('operations', operations) + '--XyZ--\r\n'],
      ['a map pointing nowhere', part('operations', operations) + part('map', '{"0":["variables.nope"]}') + filePart('0', 'a.pdf', '%PDF-1') + '--XyZ--\r\n'],
      ['a mapped file that never comes', part('operations', operations) + part('map', '{"0":["variables.file"]}') + '--XyZ--\r\n'],
      ['a body cut before its closing boundary', part('operations', operations) + part('map', '{"0":["variables.file"]}') + filePart('0', 'a.pdf', '%PDF-1.4 partial')],
      ['garbage', 'this is not multipart at all'],
    ])('%s', async (_label, body) => {
      const res = await post(body);
      expect(res.status).toBeLessThan(500);
      const json = await res.json();
      expect(json.errors?.[0]?.extensions?.code).toMatch(/^(BAD_USER_INPUT|BAD_REQUEST)$/);
      expect(JSON.stringify(json)).not.toMatch(/INTERNAL_SERVER_ERROR|at .*\.ts:\d+/);
    });
  });

  it('leaves no row and no stored file when the upload is cut off mid-transfer', async () => {
    const before = await stagedRows();
    const blobsBefore = (await stack.storedFiles()).length;
    const boundary = 'CutOff';
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: UPLOAD, variables: { file: null } })}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`;
    const url = new URL(`${stack.server.url}/graphql`);
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          authorization: `Bearer ${admin()}`,
          'apollo-require-preflight': 'true',
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + 10_000_000),
        },
      });
      req.on('error', () => resolve());
      req.write(head);
      req.write(FILES.pdf(2_000_000), () => setImmediate(() => {
        req.destroy();
        resolve();
      }));
    });
    // The server notices the disconnect asynchronously; wait (bounded) for the partial file to go.
    const partials = async () => (await stack.storedFiles()).filter((f) => f.endsWith('.part'));
    await waitFor(async () => ((await partials()).length === 0 ? true : undefined), { timeoutMs: 10_000, what: 'the partial upload to be removed' });
    expect((await stack.storedFiles()).length).toBe(blobsBefore);
    expect(await stagedRows()).toBe(before);
    // The server is still healthy and answers.
    const health = await fetch(`${stack.server.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
