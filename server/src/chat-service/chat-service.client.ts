import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import type { FileKind } from '../files/limits.js';
import { multipartBody } from './multipart.js';

/** A ChatService conversation room: which account it belongs to and its channel. */
export interface Room {
  id: string;
  accountId: string;
  channel: string;
}

export type RoomLookup =
  | { kind: 'found'; room: Room }
  | { kind: 'not_found' }
  | { kind: 'unavailable'; httpStatus: number | null; error: string };

export interface FileMessage {
  token: string;
  channel: string;
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

/**
 * The outcome of one HTTP call; never thrown. `retryable` covers 5xx, timeouts and
 * connection errors (SPEC section 5); any 4xx is final.
 */
export type CallOutcome =
  | { ok: true; httpStatus: number; messageId: string | null; durationMs: number }
  | { ok: false; retryable: boolean; httpStatus: number | null; error: string; durationMs: number };

export interface ChatServiceClientOptions {
  baseUrl: string;
  /** Room lookups sit on the invoke path: keep this short. */
  timeoutMs: number;
  uploadTimeoutMs: number;
  /**
   * How long a found room (its account and channel) is reused without asking ChatService
   * again; 0 asks every time. Only found rooms are kept: a room created a moment ago, or one
   * whose lookup failed, is asked for again at the next invoke.
   */
  roomCacheMs?: number;
}

/** Speaks ChatService's two endpoints with the account's token. */
export class ChatServiceClient {
  /**
   * Keyed by token and room: a room is only ever served to a caller holding the token that found it.
   * None when roomCacheMs is 0 (lru-cache would take a ttl of 0 as "never expires").
   */
  private readonly rooms: LRUCache<string, Room> | null;

  constructor(private readonly options: ChatServiceClientOptions) {
    const ttl = options.roomCacheMs ?? 0;
    this.rooms = ttl > 0 ? new LRUCache<string, Room>({ max: 10_000, ttl }) : null;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async getRoom(token: string, roomId: string): Promise<RoomLookup> {
    const key = `${token}\u0000${roomId}`;
    const cached = this.rooms?.get(key);
    if (cached) return { kind: 'found', room: cached };
    const lookup = await this.lookUpRoom(token, roomId);
    if (lookup.kind === 'found') this.rooms?.set(key, lookup.room);
    return lookup;
  }

  private async lookUpRoom(token: string, roomId: string): Promise<RoomLookup> {
    const url = `${this.options.baseUrl}/api/core/v1/rooms/${encodeURIComponent(roomId)}`;
    try {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const body = await readJson(res);
      if (res.status === 404) return { kind: 'not_found' };
      if (!res.ok) return { kind: 'unavailable', httpStatus: res.status, error: errorText(res.status, body) };
      const data = (body as { data?: Record<string, unknown> })?.data ?? {};
      if (typeof data.account_id !== 'string' || typeof data.channel !== 'string') {
        return { kind: 'unavailable', httpStatus: res.status, error: 'room lookup answered without account_id or channel' };
      }
      return { kind: 'found', room: { id: roomId, accountId: data.account_id, channel: data.channel } };
    } catch (error) {
      return { kind: 'unavailable', httpStatus: null, error: describeFailure(error, this.options.timeoutMs) };
    }
  }

  /** POST /api/core/v1/messages/{channel}/bot with one file, streamed from storage. */
  async sendFile(message: FileMessage): Promise<CallOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const fields: Record<string, string> = { room_id: message.roomId, type: message.type };
    if (message.text) fields.text = message.text;
    const body = multipartBody(fields, {
      field: 'file',
      fileName: message.fileName,
      contentType: message.mimeType,
      sizeBytes: message.sizeBytes,
      open: message.open,
    });
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
    const url = `${this.options.baseUrl}/api/core/v1/messages/${encodeURIComponent(message.channel)}/bot`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${message.token}`,
          'content-type': body.contentType,
          'content-length': String(body.contentLength),
          'idempotency-key': message.idempotencyKey,
          accept: 'application/json',
        },
        body: stream,
        duplex: 'half',
        signal: AbortSignal.timeout(this.options.uploadTimeoutMs),
      } as RequestInit);
      const json = await readJson(res);
      if (res.ok) {
        const id = (json as { data?: { id?: unknown } })?.data?.id;
        return { ok: true, httpStatus: res.status, messageId: typeof id === 'string' ? id : null, durationMs: elapsed() };
      }
      return {
        ok: false,
        retryable: res.status >= 500,
        httpStatus: res.status,
        error: errorText(res.status, json),
        durationMs: elapsed(),
      };
    } catch (error) {
      await iterator.return(undefined).catch(() => {});
      return {
        ok: false,
        retryable: true,
        httpStatus: null,
        error: describeFailure(error, this.options.uploadTimeoutMs),
        durationMs: elapsed(),
      };
    }
  }
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}

function errorText(status: number, body: unknown): string {
  const message =
    typeof body === 'string' ? body : ((body as { error?: { message?: string } })?.error?.message ?? JSON.stringify(body));
  return `HTTP ${status}: ${String(message).slice(0, 300)}`;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const cause = err?.cause?.code ?? err?.cause?.message;
  return `connection error: ${cause ?? err?.message ?? String(error)}`;
}
