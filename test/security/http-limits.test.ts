import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { saveAction, uploadFile } from '../support/operations.js';
import { waitFor } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const UPLOAD = JSON.stringify({ query: 'mutation($f: Upload!) { uploadAttachment(file: $f) { id } }', variables: { f: null } });
const BIG = 75 * 1024 * 1024;

/**
 * An upload of a `declared`-byte PDF whose body is written by the caller (`write`), so a test can
 * stall it or trickle it. Resolves with the answer, or with the way the connection ended.
 */
function openUpload(url: string, token: string, declared = BIG) {
  const boundary = `----limits${crypto.randomBytes(6).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${UPLOAD}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const u = new URL(url);
  const req = http.request({
    host: u.hostname,
    port: u.port,
    path: '/graphql',
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'apollo-require-preflight': 'true',
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + declared + tail.length),
    },
  });
  const outcome = new Promise<{ status: number | null; body: string; ended: 'answered' | 'closed' }>((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? null, body, ended: 'answered' }));
      res.on('error', () => resolve({ status: res.statusCode ?? null, body, ended: 'closed' }));
    });
    req.on('error', () => resolve({ status: null, body: '', ended: 'closed' }));
  });
  req.write(Buffer.concat([head, FILES.pdf(64 * 1024)]));
  return { req, outcome };
}

describe('HTTP limits', () => {
  let stack: TestStack;
  let acme: TestAccount;
  /** graphql-upload spools file parts to os.tmpdir(): this test file's own, so it can be watched. */
  let spoolDir: string;
  const spooled = () => fs.readdirSync(spoolDir);

  beforeAll(async () => {
    stack = await startTestStack({ HTTP_IDLE_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '3', STAGED_UPLOAD_QUOTA_MB: '1' });
    acme = await stack.createAccount();
    spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-spool-'));
    process.env.TMPDIR = spoolDir;
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(spoolDir, { recursive: true, force: true });
  });

  describe('multipart from a role that may not upload', () => {
    it("refuses a VIEWER's 75 MB upload with 403 before reading it: the answer comes while the body is unsent, nothing is spooled", async () => {
      const { req, outcome } = openUpload(stack.server.url, acme.tokens.VIEWER);
      const answer = await outcome;
      req.destroy();
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('FORBIDDEN');
      expect(JSON.parse(answer.body).errors[0].message).toMatch(/VIEWER role cannot upload/);
      expect(spooled()).toEqual([]);
    });

    it("does spool an ADMIN's upload of the same body (so the check above can see spooling)", async () => {
      const { req, outcome } = openUpload(stack.server.url, acme.tokens.ADMIN);
      await waitFor(() => (spooled().length > 0 ? true : undefined), { what: 'a spooled file part' });
      req.destroy();
      await outcome;
      await waitFor(() => (spooled().length === 0 ? true : undefined), { what: 'the spooled part to be removed' });
    });
  });

  describe('a body that stops arriving', () => {
    it('is cut off after HTTP_IDLE_TIMEOUT_SECONDS of silence, and its spooled part removed', async () => {
      const { outcome } = openUpload(stack.server.url, acme.tokens.ADMIN);
      const answer = await outcome;
      expect(answer.ended).toBe('closed');
      await waitFor(() => (spooled().length === 0 ? true : undefined), { what: 'the spooled part to be removed' });
      // Nothing was staged from the cut-off upload.
      expect((await stack.sql`select count(*)::int as n from attachments where account_id = ${acme.accountId}`)[0]!.n).toBe(0);
    });

    it('is cut off after HTTP_REQUEST_TIMEOUT_SECONDS in all, even while bytes keep trickling in', async () => {
      const { req, outcome } = openUpload(stack.server.url, acme.tokens.ADMIN);
      let ended = false;
      void outcome.then(() => (ended = true));
      // Never silent for the idle limit; only the total limit can end this.
      const trickle = setInterval(() => !ended && !req.destroyed && req.write(Buffer.alloc(1024, 0x20)), 200);
      try {
        const answer = await outcome;
        // Node answers 408 (as JSON, see responses.ts) when it can, or closes the socket.
        if (answer.status !== null) {
          expect(answer.status).toBe(408);
          expect(JSON.parse(answer.body).errors[0].extensions.field).toBe('body');
        } else {
          expect(answer.ended).toBe('closed');
        }
      } finally {
        clearInterval(trickle);
        req.destroy();
      }
    });
  });

  describe('staged uploads', () => {
    it('refuses an upload beyond the per-account quota (STAGED_UPLOAD_QUOTA_MB), keeping nothing of it; saving frees the quota', async () => {
      const account = await stack.createAccount();
      const first = await uploadFile(stack.client, account.tokens.ADMIN, { name: 'a.pdf', content: FILES.pdf(600_000) });
      expect(first.errors).toBeUndefined();
      const blobs = (await stack.storedFiles()).length;
      const second = await uploadFile(stack.client, account.tokens.ADMIN, { name: 'b.pdf', content: FILES.pdf(600_001) });
      expect(second.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file', reason: 'QUOTA_EXCEEDED' });
      expect((await stack.storedFiles()).length).toBe(blobs);
      // Another account's quota is its own.
      const other = await stack.createAccount();
      expect((await uploadFile(stack.client, other.tokens.ADMIN, { name: 'c.pdf', content: FILES.pdf(600_002) })).errors).toBeUndefined();
      // Pinned to an action, the first no longer counts.
      await saveAction(stack.client, account.tokens.ADMIN, { agentId: account.agentId, attachmentIds: [first.data!.uploadAttachment.id] });
      expect((await uploadFile(stack.client, account.tokens.ADMIN, { name: 'b.pdf', content: FILES.pdf(600_001) })).errors).toBeUndefined();
    });
  });

  describe('answers', () => {
    it('answers JSON 404 for a path it does not serve', async () => {
      for (const [method, p] of [['GET', '/'], ['GET', '/nope'], ['PUT', '/healthz'], ['GET', '/exports/other.csv']] as const) {
        const res = await fetch(`${stack.server.url}${p}`, { method });
        expect(res.status, `${method} ${p}`).toBe(404);
        expect(((await res.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions.code).toBe('NOT_FOUND');
      }
    });

    it("answers what Node's HTTP parser refuses in the same JSON shape: a URL over 16 KB", async () => {
      const res = await fetch(`${stack.server.url}/exports/sends.csv?channel=${'c,'.repeat(10_000)}`, { headers: { authorization: `Bearer ${acme.tokens.VIEWER}` } });
      expect(res.status).toBe(431);
      expect(((await res.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'headers', reason: 'MALFORMED_REQUEST' });
    });

    it('sends nosniff, no framing and no referrer on every answer', async () => {
      const res = await fetch(`${stack.server.url}/healthz`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    });
  });

  describe('schema privacy', () => {
    const INTROSPECT = '{ __schema { queryType { name } } }';

    it('lets only a signed-in caller introspect', async () => {
      expect((await stack.client.query(null, INTROSPECT)).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
      expect((await stack.client.query(null, '{ __type(name: "Send") { name } }')).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
      expect((await stack.client.query(acme.tokens.VIEWER, INTROSPECT)).data.__schema.queryType.name).toBe('Query');
      // __typename reads nothing of the schema.
      expect((await stack.client.query(null, '{ __typename }')).data.__typename).toBe('Query');
    });

    it('gives field suggestions to signed-in callers only', async () => {
      expect((await stack.client.query(acme.tokens.VIEWER, '{ sendz { totalCount } }')).errors![0]!.message).toMatch(/Did you mean .*"sends"/);
      const anonymous = (await stack.client.query(null, '{ sendz { totalCount } }')).errors![0]!;
      expect(anonymous.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(anonymous.message).toBe('Cannot query field "sendz" on type "Query".');
    });

    describe('with GRAPHQL_INTROSPECTION=off (the default under NODE_ENV=production)', () => {
      let closed: TestStack;
      beforeAll(async () => {
        closed = await startTestStack({ GRAPHQL_INTROSPECTION: 'off' });
      });
      afterAll(() => closed?.stop());

      it('refuses introspection and suggestions to everyone', async () => {
        const account = await closed.createAccount();
        const res = await closed.client.query(account.tokens.ADMIN, INTROSPECT);
        expect(res.errors![0]!.extensions!.code).toBe('FORBIDDEN');
        expect(res.errors![0]!.message).toMatch(/GRAPHQL_INTROSPECTION=off/);
        expect((await closed.client.query(account.tokens.ADMIN, '{ sendz { totalCount } }')).errors![0]!.message).not.toMatch(/Did you mean/);
      });
    });
  });
});
