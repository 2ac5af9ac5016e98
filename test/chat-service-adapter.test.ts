import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ChatServiceAdapter,
  MAX_RETRY_AFTER_SECONDS,
  retryAfter,
  type ChatServiceAdapterOptions,
  type ChatServiceCredentials,
  type FileMessage,
} from '../server/src/chat-service/chat-service.adapter.js';

/** One recorded answer: what a ChatService said, replayed over real HTTP. */
interface Recorded {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A small HTTP server that answers each path with a recorded answer and keeps every request
 * it got. Answers are in the shapes of the PRD's internal API and of the published open API
 * (qontak-dev/chat, chat-service-open.json; rooms as the client SDKs see them).
 */
class RecordedChatService {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, Recorded>();
  private server!: http.Server;
  url!: string;

  async start() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        this.received.push({ method: req.method!, path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const answer = this.answers.get(`${req.method} ${path}`) ?? { status: 404, body: { error: { message: 'no recorded answer' } } };
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(method: string, path: string, recorded: Recorded) {
    this.answers.set(`${method} ${path}`, recorded);
  }

  reset() {
    this.received.length = 0;
    this.answers.clear();
  }

  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const PRD_ROOM = (id: string, accountId: string, channel = 'whatsapp') => ({ data: { id, account_id: accountId, channel } });
/** A room as the open API's clients see it: organization_id and a channel code, no account_id. */
const OPEN_ROOM = (id: string, organizationId: string | number, channel = 'wa') => ({
  status: 'success',
  data: {
    id,
    name: 'Budi',
    status: 'assigned',
    type: 'single',
    channel,
    channel_account: 'Acme WhatsApp',
    organization_id: organizationId,
    channel_integration_id: '0c3b6f0e-4d55-4b58-8d8c-6cbd1c4b2f11',
    account_uniq_id: '6281234567890',
    created_at: '2026-11-20T08:00:00.000Z',
  },
});

describe('ChatService adapter against recorded answers', () => {
  const cs = new RecordedChatService();
  const acme: ChatServiceCredentials = { accountId: 'a1b2', token: 'tok_acme', organizationId: null };
  const acmeOrg: ChatServiceCredentials = { ...acme, organizationId: 'org-7' };

  const adapter = (overrides: Partial<ChatServiceAdapterOptions> = {}) =>
    new ChatServiceAdapter({
      baseUrl: cs.url,
      api: 'core',
      roomPath: '/v1/rooms/{room}',
      messagePath: '/v1/messages/{channel}/bot',
      timeoutMs: 2000,
      uploadTimeoutMs: 2000,
      ...overrides,
    });

  const file = (overrides: Partial<FileMessage> = {}): FileMessage => ({
    channel: 'whatsapp',
    roomId: 'room-1',
    type: 'document',
    fileName: 'price-list.pdf',
    mimeType: 'application/pdf',
    sizeBytes: 11,
    open: () => Readable.from([Buffer.from('%PDF-1.7 hi')]),
    text: 'Here you go',
    idempotencyKey: 'file-1',
    ...overrides,
  });

  beforeAll(() => cs.start());
  afterAll(() => cs.stop());
  beforeEach(() => cs.reset());

  describe('where requests go', () => {
    it('keeps the path prefix of CHAT_SERVICE_URL instead of replacing it', async () => {
      cs.answer('GET', '/gateway/api/core/v1/rooms/r1', { status: 200, body: PRD_ROOM('r1', 'a1b2') });
      const a = adapter({ baseUrl: `${cs.url}/gateway/api/core/` });
      expect(a.baseUrl).toBe(`${cs.url}/gateway/api/core`);
      expect(await a.lookupRoom(acme, 'r1')).toMatchObject({ kind: 'found' });
      expect(cs.received.map((r) => r.path)).toEqual(['/gateway/api/core/v1/rooms/r1']);
    });

    it("gives a URL without a path the chosen API's prefix: /api/core (PRD) or /api/open (published)", () => {
      expect(adapter().baseUrl).toBe(`${cs.url}/api/core`);
      expect(adapter({ api: 'open' }).baseUrl).toBe(`${cs.url}/api/open`);
    });

    it('uses the configured room and message paths', async () => {
      cs.answer('GET', '/api/open/rooms/r1/detail', { status: 200, body: OPEN_ROOM('r1', 'org-7') });
      cs.answer('POST', '/api/open/bot/whatsapp/messages', { status: 201, body: { status: 'success', data: { id: 'm1' } } });
      const a = adapter({ api: 'open', roomPath: '/rooms/{room}/detail', messagePath: '/bot/{channel}/messages' });
      expect(await a.lookupRoom(acmeOrg, 'r1')).toMatchObject({ kind: 'found' });
      expect(await a.sendFile(acmeOrg, file())).toMatchObject({ kind: 'delivered', messageId: 'm1' });
    });

    it('never lets a conversation id of "." or ".." move the request: nothing is sent', async () => {
      for (const id of ['..', '.']) expect(await adapter().lookupRoom(acme, id)).toEqual({ kind: 'not_found' });
      expect(cs.received).toHaveLength(0);
    });

    it('encodes every other id as one path segment, percent-encoded dots and slashes included', async () => {
      for (const id of ['a/../b', '%2e%2e', '..%2f', 'x?y#z']) await adapter().lookupRoom(acme, id);
      expect(cs.received.map((r) => r.path)).toEqual([
        '/api/core/v1/rooms/a%2F..%2Fb',
        '/api/core/v1/rooms/%252e%252e',
        '/api/core/v1/rooms/..%252f',
        '/api/core/v1/rooms/x%3Fy%23z',
      ]);
    });

    it('sends the form of the published API: room_id, type, text and the file, with the token and Idempotency-Key', async () => {
      cs.answer('POST', '/api/core/v1/messages/whatsapp/bot', { status: 201, body: { data: { id: 'm1' } } });
      await adapter().sendFile(acme, file());
      const [req] = cs.received;
      expect(req!.headers.authorization).toBe('Bearer tok_acme');
      expect(req!.headers['idempotency-key']).toBe('file-1');
      expect(req!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      for (const [name, value] of [['room_id', 'room-1'], ['type', 'document'], ['text', 'Here you go']]) {
        expect(req!.body).toContain(`name="${name}"\r\n\r\n${value}\r\n`);
      }
      expect(req!.body).toContain('name="file"; filename="price-list.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 hi\r\n');
    });
  });

  describe('room lookups', () => {
    it("reads the PRD's room and matches account_id against our account", async () => {
      cs.answer('GET', '/api/core/v1/rooms/r1', { status: 200, body: PRD_ROOM('r1', 'a1b2') });
      cs.answer('GET', '/api/core/v1/rooms/r2', { status: 200, body: PRD_ROOM('r2', 'someone-else') });
      expect(await adapter().lookupRoom(acme, 'r1')).toEqual({ kind: 'found', room: { id: 'r1', channel: 'whatsapp', channelCode: 'whatsapp' } });
      expect(await adapter().lookupRoom(acme, 'r2')).toEqual({ kind: 'not_found' });
    });

    it("reads the open API's room: organization_id matched against the account's, channel codes mapped", async () => {
      cs.answer('GET', '/api/open/v1/rooms/r1', { status: 200, body: OPEN_ROOM('r1', 'org-7', 'wa') });
      cs.answer('GET', '/api/open/v1/rooms/r2', { status: 200, body: OPEN_ROOM('r2', 'org-8', 'wa') });
      cs.answer('GET', '/api/open/v1/rooms/r3', { status: 200, body: OPEN_ROOM('r3', 'org-7', 'tokopedia_chat') });
      cs.answer('GET', '/api/open/v1/rooms/r4', { status: 200, body: OPEN_ROOM('r4', 'org-7', 'ig') });
      const a = adapter({ api: 'open' });
      expect(await a.lookupRoom(acmeOrg, 'r1')).toEqual({ kind: 'found', room: { id: 'r1', channel: 'whatsapp', channelCode: 'wa' } });
      expect(await a.lookupRoom(acmeOrg, 'r2')).toEqual({ kind: 'not_found' });
      expect(await a.lookupRoom(acmeOrg, 'r3')).toMatchObject({ room: { channel: 'tokopedia', channelCode: 'tokopedia_chat' } });
      expect(await a.lookupRoom(acmeOrg, 'r4')).toMatchObject({ room: { channel: 'instagram', channelCode: 'ig' } });
    });

    it('takes a numeric organization id, and trusts the token for the organization when the account sets none', async () => {
      cs.answer('GET', '/api/open/v1/rooms/r1', { status: 200, body: OPEN_ROOM('r1', 7) });
      const a = adapter({ api: 'open' });
      expect(await a.lookupRoom({ ...acme, organizationId: '7' }, 'r1')).toMatchObject({ kind: 'found' });
      expect(await a.lookupRoom({ ...acme, organizationId: '8' }, 'r1')).toEqual({ kind: 'not_found' });
      expect(await a.lookupRoom(acme, 'r1')).toMatchObject({ kind: 'found' });
    });

    it('gives an unknown channel code as it came, with no channel of ours: the send becomes channel_unsupported', async () => {
      cs.answer('GET', '/api/open/v1/rooms/r1', { status: 200, body: OPEN_ROOM('r1', 'org-7', 'fb_messenger') });
      expect(await adapter({ api: 'open' }).lookupRoom(acmeOrg, 'r1')).toEqual({
        kind: 'found',
        room: { id: 'r1', channel: null, channelCode: 'fb_messenger' },
      });
    });

    it("adds a deployment's own channel codes (CHAT_SERVICE_CHANNEL_CODES)", async () => {
      cs.answer('GET', '/api/open/v1/rooms/r1', { status: 200, body: OPEN_ROOM('r1', 'org-7', 'wa_cloud') });
      const a = adapter({ api: 'open', channelCodes: { wa_cloud: 'whatsapp' } });
      expect(await a.lookupRoom(acmeOrg, 'r1')).toMatchObject({ room: { channel: 'whatsapp', channelCode: 'wa_cloud' } });
    });

    it('reports 401 and 403 as a credentials problem, and a missing token without asking', async () => {
      cs.answer('GET', '/api/open/v1/rooms/r1', { status: 401, body: { status: 'error', error: { code: 401, messages: ['Invalid access token'] } } });
      cs.answer('GET', '/api/open/v1/rooms/r2', { status: 403, body: { status: 'error', error: { code: 403, messages: ['Bot scope required'] } } });
      const a = adapter({ api: 'open' });
      expect(await a.lookupRoom(acmeOrg, 'r1')).toMatchObject({ kind: 'credentials', httpStatus: 401, error: expect.stringContaining('Invalid access token') });
      expect(await a.lookupRoom(acmeOrg, 'r2')).toMatchObject({ kind: 'credentials', httpStatus: 403, error: expect.stringContaining('Bot scope required') });
      const before = cs.received.length;
      expect(await a.lookupRoom({ ...acme, token: null }, 'r1')).toMatchObject({ kind: 'credentials', httpStatus: null, error: expect.stringContaining('account:set-chat-service') });
      expect(cs.received).toHaveLength(before);
    });

    it('says what was wrong with an answer it cannot use, never throwing: no channel, a 5xx, a redirect', async () => {
      cs.answer('GET', '/api/core/v1/rooms/r1', { status: 200, body: { data: { id: 'r1', account_id: 'a1b2' } } });
      cs.answer('GET', '/api/core/v1/rooms/r2', { status: 502, body: '<html>Bad gateway</html>' });
      cs.answer('GET', '/api/core/v1/rooms/r3', { status: 302, headers: { location: '/login' } });
      cs.answer('GET', '/login', { status: 200, body: PRD_ROOM('r3', 'a1b2') });
      expect(await adapter().lookupRoom(acme, 'r1')).toMatchObject({ kind: 'unavailable', error: expect.stringContaining('without a channel') });
      expect(await adapter().lookupRoom(acme, 'r2')).toMatchObject({ kind: 'unavailable', httpStatus: 502, error: 'HTTP 502: <html>Bad gateway</html>' });
      expect(await adapter().lookupRoom(acme, 'r3')).toMatchObject({
        kind: 'unavailable',
        httpStatus: 302,
        error: expect.stringMatching(/redirect to \/login; redirects are not followed/),
      });
      expect(cs.received.map((r) => r.path)).not.toContain('/login');
    });
  });

  describe('uploads: what each answer means', () => {
    const PATH = '/api/core/v1/messages/whatsapp/bot';
    const send = async (recorded: Recorded) => {
      cs.answer('POST', PATH, recorded);
      return adapter().sendFile(acme, file());
    };

    it('takes 201 or 200 with a message id as delivered, in either shape, and keeps the start of the body', async () => {
      expect(await send({ status: 201, body: { data: { id: 'm-1', room_id: 'room-1' } } })).toMatchObject({
        kind: 'delivered',
        httpStatus: 201,
        messageId: 'm-1',
        excerpt: '{"data":{"id":"m-1","room_id":"room-1"}}',
      });
      expect(await send({ status: 200, body: { status: 'success', data: { id: 981 } } })).toMatchObject({ kind: 'delivered', messageId: '981' });
    });

    it('does not take a 2xx without a message id as a delivery: it is retried, saying why', async () => {
      expect(await send({ status: 201, body: { status: 'success' } })).toMatchObject({
        kind: 'retry',
        httpStatus: 201,
        error: expect.stringContaining('without a message id'),
        retryAfterSeconds: null,
        unconfirmed: true,
      });
      expect(await send({ status: 202, body: { queued: true } })).toMatchObject({ kind: 'retry', unconfirmed: true, error: expect.stringContaining('not 200/201') });
      expect(await send({ status: 204 })).toMatchObject({ kind: 'retry', httpStatus: 204 });
    });

    it('reports 401 and 403 as credentials, apart from channel failures', async () => {
      expect(await send({ status: 401, body: { status: 'error', error: { code: 401, messages: ['Unauthorized'] } } })).toMatchObject({
        kind: 'credentials',
        httpStatus: 401,
        error: expect.stringContaining("refused the account's token"),
      });
      expect(await send({ status: 403, body: {} })).toMatchObject({ kind: 'credentials', httpStatus: 403 });
    });

    it("takes 413 and the open API's 422 as the channel refusing the file, with ChatService's message", async () => {
      expect(await send({ status: 413, body: { error: { code: 'too_large', message: 'Image over 5 MB' } } })).toMatchObject({
        kind: 'refused',
        error: 'HTTP 413: Image over 5 MB',
      });
      expect(
        await send({ status: 422, body: { status: 'error', error: { code: 422, messages: ['file is too large', 'type not allowed'] } } }),
      ).toMatchObject({ kind: 'refused', httpStatus: 422, error: 'HTTP 422: file is too large; type not allowed' });
    });

    it('takes another 4xx as final', async () => {
      expect(await send({ status: 404, body: { error: { message: 'Room not found' } } })).toMatchObject({ kind: 'rejected', error: 'HTTP 404: Room not found' });
      expect(await send({ status: 400, body: 'plain text' })).toMatchObject({ kind: 'rejected', error: 'HTTP 400: plain text' });
    });

    it('retries 5xx, and gives 429 and 503 their Retry-After, bounded', async () => {
      expect(await send({ status: 500, body: {} })).toMatchObject({ kind: 'retry', httpStatus: 500, retryAfterSeconds: null });
      expect(await send({ status: 429, headers: { 'retry-after': '7' }, body: {} })).toMatchObject({ kind: 'retry', retryAfterSeconds: 7 });
      expect(await send({ status: 503, headers: { 'retry-after': '86400' }, body: {} })).toMatchObject({ kind: 'retry', retryAfterSeconds: MAX_RETRY_AFTER_SECONDS });
      expect(await send({ status: 503, body: {} })).toMatchObject({ kind: 'retry', retryAfterSeconds: null });
      // Only 429 and 503 carry a wait; another 5xx's header is not ours to honour.
      expect(await send({ status: 502, headers: { 'retry-after': '9' }, body: {} })).toMatchObject({ retryAfterSeconds: null });
    });

    it('reads Retry-After as seconds or as an HTTP date', () => {
      const now = Date.parse('2026-12-01T10:00:00Z');
      expect(retryAfter('Tue, 01 Dec 2026 10:00:30 GMT', now)).toBe(30);
      expect(retryAfter('Tue, 01 Dec 2026 09:00:00 GMT', now)).toBe(1);
      expect(retryAfter('soon', now)).toBeNull();
      expect(retryAfter('0', now)).toBe(1);
    });

    it('does not follow a redirect, and says it was one', async () => {
      cs.answer('POST', '/elsewhere', { status: 201, body: { data: { id: 'should-not-happen' } } });
      expect(await send({ status: 307, headers: { location: `${cs.url}/elsewhere` } })).toMatchObject({
        kind: 'retry',
        httpStatus: 307,
        error: expect.stringContaining('redirect to'),
      });
      expect(cs.received.map((r) => r.path)).toEqual([PATH]);
    });

    it('keeps only a short excerpt of a long body', async () => {
      const outcome = await send({ status: 500, body: `<html>${'x'.repeat(5000)}</html>` });
      expect(outcome.excerpt!.length).toBeLessThanOrEqual(301);
      expect(outcome.excerpt!.startsWith('<html>xxx')).toBe(true);
    });

    it('reports a missing token as credentials without sending anything', async () => {
      expect(await adapter().sendFile({ ...acme, token: null, tokenProblem: 'sealed with key abc' }, file())).toMatchObject({
        kind: 'credentials',
        httpStatus: null,
        error: 'sealed with key abc',
      });
      expect(cs.received).toHaveLength(0);
    });

    it('reports a refused connection as retryable', async () => {
      const closed = adapter({ baseUrl: 'http://127.0.0.1:9' });
      expect(await closed.sendFile(acme, file())).toMatchObject({ kind: 'retry', httpStatus: null, error: expect.stringContaining('connection error') });
      expect(await closed.lookupRoom(acme, 'r1')).toMatchObject({ kind: 'unavailable', httpStatus: null });
    });
  });
});
