import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import type { ChannelId } from '../channels/channels.js';
import type { FileKind } from '../files/limits.js';
import type { Config } from '../infra/config/config.js';
import { multipartBody } from './multipart.js';

/**
 * The one module that knows the other side. Everything we assume about ChatService lives here:
 * where it is (base URL with its path prefix, the room and message paths), what its answers
 * look like (the PRD's internal shape and the published open API's), which channel codes it
 * uses, and what each HTTP status means for a delivery. Callers get plain outcomes, never a
 * status code to interpret.
 *
 * The two shapes it reads (recorded in test/chat-service-adapter.test.ts):
 * - internal (PRD): `GET /api/core/v1/rooms/{id}` → `{data: {id, account_id, channel: "whatsapp"}}`;
 *   `POST /api/core/v1/messages/{channel}/bot` → 201 `{data: {id}}`.
 * - published open API (`qontak-dev/chat`, chat-service-open.json, base path /api/open):
 *   rooms → `{status: "success", data: {id, organization_id, channel: "wa", …}}`;
 *   `POST /v1/messages/whatsapp/bot` (form: room_id, type, file, text) → 201 / 401 / 422.
 */

export type ChatServiceApi = Config['chatServiceApi'];

/** The path prefix a base URL without a path gets. */
const API_PREFIX: Readonly<Record<ChatServiceApi, string>> = { core: '/api/core', open: '/api/open' };

/**
 * ChatService channel codes → our channel table. Our own ids are codes too (the internal API
 * uses them). Anything else is a channel we know nothing about: channel_unsupported, with the
 * code in the detail. CHAT_SERVICE_CHANNEL_CODES adds a deployment's own codes.
 */
export const CHANNEL_CODES: Readonly<Record<string, ChannelId>> = {
  whatsapp: 'whatsapp',
  wa: 'whatsapp',
  telegram: 'telegram',
  email: 'email',
  line: 'line',
  twitter: 'twitter',
  tokopedia: 'tokopedia',
  tokopedia_chat: 'tokopedia',
  instagram: 'instagram',
  ig: 'instagram',
};

/** Retry-After beyond this is cut to it: one busy answer must not park a send for hours. */
export const MAX_RETRY_AFTER_SECONDS = 300;
/** What an attempt row keeps of an answer's body. */
export const EXCERPT_CHARS = 300;

/** Who is asking: our account, its ChatService token (opened) and, if set, its organization id. */
export interface ChatServiceCredentials {
  accountId: string;
  /** Null: the account has no ChatService token yet, or it could not be opened (`tokenProblem`). */
  token: string | null;
  tokenProblem?: string;
  organizationId: string | null;
}

export interface Room {
  id: string;
  /** Our channel, or null when ChatService's code is not one we know. */
  channel: ChannelId | null;
  /** The code ChatService gave (`wa`, `tokopedia_chat`, `fb`, …). */
  channelCode: string;
}

export type RoomLookup =
  | { kind: 'found'; room: Room }
  /** No such room, or another account's or organization's. */
  | { kind: 'not_found' }
  /** ChatService refused the account's token (401/403), or the account has none. */
  | { kind: 'credentials'; httpStatus: number | null; error: string }
  | { kind: 'unavailable'; httpStatus: number | null; error: string };

export interface FileMessage {
  channel: ChannelId;
  roomId: string;
  type: FileKind;
  fileName: string;
  mimeType: string;
  sizeBytes: number;
  open(): Readable;
  /** The caption; sent with the first file only. */
  text: string | null;
  /** One per send file: a retry of the same file carries the same key. */
  idempotencyKey: string;
}

/** A text message to the room: what the link fallback sends in place of a file. */
export interface TextMessage {
  channel: ChannelId;
  roomId: string;
  text: string;
  idempotencyKey: string;
}

interface AttemptFacts {
  /** Null when no answer came (timeout, connection error) or no request was made. */
  httpStatus: number | null;
  durationMs: number;
  /** The start of the answer's body, for the attempt row. */
  excerpt: string | null;
}

/**
 * What one upload ended with; never thrown.
 * - `delivered`: 200/201 with a message id.
 * - `retry`: 5xx, 429, timeouts, connection errors, a redirect, a 2xx without a message id.
 *   Counted as an attempt; `retryAfterSeconds` when a 429/503 said how long to wait; `unconfirmed`
 *   when ChatService answered success without saying which message it stored (a 2xx without a
 *   message id: the file may have arrived, so a send that ends this way has a reason of its own).
 * - `credentials`: 401/403, or no token: final, and not the channel's fault.
 * - `refused`: 413/422, the channel (or its provider) does not take this file: final.
 * - `rejected`: any other 4xx: final.
 */
export type SendOutcome = AttemptFacts &
  (
    | { kind: 'delivered'; messageId: string }
    | { kind: 'retry'; error: string; retryAfterSeconds: number | null; unconfirmed: boolean }
    | { kind: 'credentials'; error: string }
    | { kind: 'refused'; error: string }
    | { kind: 'rejected'; error: string }
  );

export interface ChatServiceAdapterOptions {
  /** CHAT_SERVICE_URL as configured, or the simulator's root URL. */
  baseUrl: string;
  api: ChatServiceApi;
  roomPath: string;
  messagePath: string;
  channelCodes?: Readonly<Record<string, ChannelId>>;
  /** Room lookups sit on the invoke path: keep this short. */
  timeoutMs: number;
  uploadTimeoutMs: number;
  /** How long a found room is reused without asking again; 0 asks every time. */
  roomCacheMs?: number;
}

/** What a room answer told us, before it is matched against the asking account. */
interface RoomAnswer {
  channelCode: string;
  accountId: string | null;
  organizationId: string | null;
}

/** A path segment that would move the request elsewhere (`.`/`..`, even percent-encoded). */
class UnsafePathError extends Error {}

export class ChatServiceAdapter {
  /** The base with its path prefix, no trailing slash: `https://host/api/core`. */
  readonly baseUrl: string;
  private readonly base: URL;
  private readonly codes: Readonly<Record<string, ChannelId>>;
  /**
   * Keyed by token and room: a room is only served to a caller holding the token that found it.
   * Only answers are kept (a failed lookup asks again next time). None when roomCacheMs is 0
   * (lru-cache would take a ttl of 0 as "never expires").
   */
  private readonly rooms: LRUCache<string, RoomAnswer> | null;

  constructor(private readonly options: ChatServiceAdapterOptions) {
    const url = new URL(options.baseUrl);
    const prefix = url.pathname.replace(/\/+$/, '');
    url.pathname = prefix || API_PREFIX[options.api];
    url.search = '';
    url.hash = '';
    this.base = url;
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.codes = { ...CHANNEL_CODES, ...options.channelCodes };
    const ttl = options.roomCacheMs ?? 0;
    this.rooms = ttl > 0 ? new LRUCache<string, RoomAnswer>({ max: 10_000, ttl }) : null;
  }

  /** Our channel for a ChatService code, or null when the code is not one we know. */
  channelOf(code: string): ChannelId | null {
    return Object.hasOwn(this.codes, code) ? this.codes[code]! : null;
  }

  /** The room, if it exists and belongs to the asking account (see `owns`). */
  async lookupRoom(who: ChatServiceCredentials, roomId: string): Promise<RoomLookup> {
    if (!who.token) return { kind: 'credentials', httpStatus: null, error: who.tokenProblem ?? NO_TOKEN };
    const key = `${who.token}\u0000${roomId}`;
    let answer = this.rooms?.get(key);
    if (!answer) {
      const fetched = await this.fetchRoom(who.token, roomId);
      if (fetched.kind !== 'answer') return fetched;
      answer = fetched.answer;
      this.rooms?.set(key, answer);
    }
    if (!owns(who, answer)) return { kind: 'not_found' };
    return { kind: 'found', room: { id: roomId, channel: this.channelOf(answer.channelCode), channelCode: answer.channelCode } };
  }

  private async fetchRoom(token: string, roomId: string): Promise<{ kind: 'answer'; answer: RoomAnswer } | Exclude<RoomLookup, { kind: 'found' }>> {
    let url: string;
    try {
      url = this.url(this.options.roomPath, { room: roomId });
    } catch {
      // No room can be named `.` or `..` in a path-based API; nothing is sent.
      return { kind: 'not_found' };
    }
    try {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const { json, text } = await readBody(res);
      if (res.status === 404) return { kind: 'not_found' };
      if (res.status === 401 || res.status === 403) return { kind: 'credentials', httpStatus: res.status, error: credentialsError(res.status, json, text) };
      if (isRedirect(res.status)) return { kind: 'unavailable', httpStatus: res.status, error: redirectError(res) };
      if (!res.ok) return { kind: 'unavailable', httpStatus: res.status, error: errorText(res.status, json, text) };
      const answer = readRoom(json);
      if (!answer) {
        return { kind: 'unavailable', httpStatus: res.status, error: `room lookup answered ${res.status} without a channel: ${excerptOf(text)}` };
      }
      return { kind: 'answer', answer };
    } catch (error) {
      return { kind: 'unavailable', httpStatus: null, error: describeFailure(error, this.options.timeoutMs) };
    }
  }

  /** One file to the room, streamed from storage. */
  sendFile(who: ChatServiceCredentials, message: FileMessage): Promise<SendOutcome> {
    const fields: Record<string, string> = { room_id: message.roomId, type: message.type };
    if (message.text) fields.text = message.text;
    const file = { field: 'file', fileName: message.fileName, contentType: message.mimeType, sizeBytes: message.sizeBytes, open: message.open };
    return this.post(who, message, multipartBody(fields, file));
  }

  /** One text message to the room (the same endpoint, `type=text`, no file). */
  sendText(who: ChatServiceCredentials, message: TextMessage): Promise<SendOutcome> {
    return this.post(who, message, multipartBody({ room_id: message.roomId, type: 'text', text: message.text }, null));
  }

  private async post(
    who: ChatServiceCredentials,
    message: { channel: ChannelId; idempotencyKey: string },
    body: ReturnType<typeof multipartBody>,
  ): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (!who.token) return { kind: 'credentials', error: who.tokenProblem ?? NO_TOKEN, httpStatus: null, durationMs: 0, excerpt: null };
    let url: string;
    try {
      url = this.url(this.options.messagePath, { channel: message.channel });
    } catch {
      return { kind: 'rejected', error: `unsafe channel path segment "${message.channel}"`, httpStatus: null, durationMs: 0, excerpt: null };
    }
    const iterator = body.chunks();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator.return(undefined);
      },
    });
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${who.token}`,
          'content-type': body.contentType,
          'content-length': String(body.contentLength),
          'idempotency-key': message.idempotencyKey,
          accept: 'application/json',
        },
        body: stream,
        duplex: 'half',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.uploadTimeoutMs),
      } as RequestInit);
      const { json, text } = await readBody(res);
      const facts = { httpStatus: res.status, durationMs: elapsed(), excerpt: excerptOf(text) };
      return { ...facts, ...classify(res, json, text) };
    } catch (error) {
      await iterator.return(undefined).catch(() => {});
      return {
        kind: 'retry',
        error: describeFailure(error, this.options.uploadTimeoutMs),
        retryAfterSeconds: null,
        unconfirmed: false,
        httpStatus: null,
        durationMs: elapsed(),
        excerpt: null,
      };
    }
  }

  /**
   * base + template with each `{name}` replaced by its encoded value. WHATWG URLs resolve `.`
   * and `..` segments even when percent-encoded (`%2e%2e`), so such a value is refused, and the
   * parsed path is checked to be exactly the one built: no input can move the request.
   */
  private url(template: string, values: Record<string, string>): string {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = values[name] ?? '';
      if (value === '' || value === '.' || value === '..') throw new UnsafePathError(name);
      return encodeURIComponent(value);
    });
    const expected = `${this.base.pathname.replace(/\/+$/, '')}${path}`;
    const url = new URL(`${this.baseUrl}${path}`);
    if (url.pathname !== expected || url.origin !== this.base.origin) throw new UnsafePathError(path);
    return url.href;
  }
}

const NO_TOKEN = 'the account has no ChatService token: set it with `pnpm ops account:set-chat-service --account <id> --chat-service-token …`';

/**
 * The room belongs to the asking account when what it carries matches: `account_id` (the
 * internal API) must be our account id; `organization_id` must be the account's organization
 * id when one is set. A room that carries neither, or only an organization id while none is
 * set, is the token's: ChatService only shows a token its own organization's rooms.
 */
function owns(who: ChatServiceCredentials, room: RoomAnswer): boolean {
  if (who.organizationId) return room.organizationId === who.organizationId || (room.organizationId === null && room.accountId === who.accountId);
  if (room.accountId !== null) return room.accountId === who.accountId;
  return true;
}

/** `{data: {...}}` (both APIs) or the room object itself; ids may be numbers. */
function readRoom(json: unknown): RoomAnswer | null {
  const body = json as { data?: unknown } | null;
  const data = (body && typeof body === 'object' && body.data && typeof body.data === 'object' ? body.data : body) as Record<string, unknown> | null;
  if (!data || typeof data !== 'object') return null;
  const id = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
  const channelCode = typeof data.channel === 'string' ? data.channel.trim().toLowerCase() : '';
  if (!channelCode) return null;
  return { channelCode, accountId: id(data.account_id), organizationId: id(data.organization_id) };
}

/** What an answer to an upload means for the delivery. */
function classify(res: Response, json: unknown, text: string): DistributiveOmit<SendOutcome, keyof AttemptFacts> {
  const status = res.status;
  if (status === 200 || status === 201) {
    const messageId = readMessageId(json);
    if (messageId) return { kind: 'delivered', messageId };
    return { kind: 'retry', retryAfterSeconds: null, unconfirmed: true, error: `ChatService answered ${status} without a message id, so the file may not have been delivered: ${excerptOf(text)}` };
  }
  if (status >= 200 && status < 300) {
    return { kind: 'retry', retryAfterSeconds: null, unconfirmed: true, error: `ChatService answered ${status}, not 200/201 with a message id: ${excerptOf(text)}` };
  }
  if (isRedirect(status)) return { kind: 'retry', retryAfterSeconds: null, unconfirmed: false, error: redirectError(res) };
  if (status === 401 || status === 403) return { kind: 'credentials', error: credentialsError(status, json, text) };
  if (status === 413 || status === 422) return { kind: 'refused', error: errorText(status, json, text) };
  if (status === 429 || status === 503) {
    return { kind: 'retry', retryAfterSeconds: retryAfter(res.headers.get('retry-after')), unconfirmed: false, error: errorText(status, json, text) };
  }
  if (status >= 400 && status < 500) return { kind: 'rejected', error: errorText(status, json, text) };
  return { kind: 'retry', retryAfterSeconds: null, unconfirmed: false, error: errorText(status, json, text) };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** `{data: {id}}` (both APIs) or `{id}`; a number id is taken as text. */
function readMessageId(json: unknown): string | null {
  const body = json as { data?: { id?: unknown }; id?: unknown } | null;
  const id = body?.data?.id ?? body?.id;
  if (typeof id === 'string' && id.trim() !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return null;
}

/** Seconds (`120`) or an HTTP date, bounded to 1..MAX_RETRY_AFTER_SECONDS; null when absent or unreadable. */
export function retryAfter(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const value = header.trim();
  let seconds: number;
  if (/^\d+$/.test(value)) seconds = Number(value);
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return null;
    seconds = Math.ceil((at - now) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
}

const isRedirect = (status: number) => status >= 300 && status < 400;

function redirectError(res: Response): string {
  const location = res.headers.get('location');
  return `HTTP ${res.status}: ChatService answered with a redirect${location ? ` to ${location.slice(0, 200)}` : ''}; redirects are not followed (check CHAT_SERVICE_URL)`;
}

function credentialsError(status: number, json: unknown, text: string): string {
  return `${errorText(status, json, text)} (ChatService refused the account's token: set a valid one with pnpm ops account:set-chat-service)`;
}

async function readBody(res: Response): Promise<{ json: unknown; text: string }> {
  const text = await res.text();
  try {
    return { json: JSON.parse(text), text };
  } catch {
    return { json: null, text };
  }
}

function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

/** `HTTP 422: <message>`, the message from either API's error shape when there is one. */
function errorText(status: number, json: unknown, text: string): string {
  const body = json as { error?: { message?: unknown; messages?: unknown } | string; message?: unknown; errors?: unknown } | null;
  const error = body?.error;
  const candidates = [
    typeof error === 'string' ? error : undefined,
    typeof error === 'object' ? error?.message : undefined,
    typeof error === 'object' && Array.isArray(error?.messages) ? error.messages.join('; ') : undefined,
    body?.message,
    Array.isArray(body?.errors) ? body.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('; ') : undefined,
  ];
  const message = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '') ?? (excerptOf(text) || '(empty body)');
  return `HTTP ${status}: ${message.slice(0, EXCERPT_CHARS)}`;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const cause = err?.cause?.code ?? err?.cause?.message;
  return `connection error: ${cause ?? err?.message ?? String(error)}`;
}

/** The adapter as configured (CHAT_SERVICE_* settings), at `baseUrl` (CHAT_SERVICE_URL or the simulator). */
export function createChatServiceAdapter(config: Readonly<Config>, baseUrl: string): ChatServiceAdapter {
  return new ChatServiceAdapter({
    baseUrl,
    api: config.chatServiceApi,
    roomPath: config.chatServiceRoomPath,
    messagePath: config.chatServiceMessagePath,
    channelCodes: config.chatServiceChannelCodes,
    timeoutMs: config.chatServiceTimeoutMs,
    uploadTimeoutMs: config.chatServiceUploadTimeoutMs,
    roomCacheMs: config.chatServiceRoomCacheSeconds * 1000,
  });
}
