import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import busboy from 'busboy';
import express, { type Request, type Response } from 'express';
import { openApiCode, providerOf, providerRefusal, type Kind } from './channels.js';
import { SimulatorStore, type SimAnswer, type SimFaults, type SimRoom } from './store.js';

const KINDS: readonly Kind[] = ['image', 'video', 'audio', 'document'];

/**
 * Which ChatService the simulator plays:
 * - `core`: the PRD's internal API under `/api/core/v1` (rooms answer `{data: {id, account_id,
 *   channel}}` with our channel names; a provider refusal is 413; another account's token 404).
 * - `open`: Qontak's published open API under `/api/open/v1` (rooms carry `organization_id` and
 *   channel codes such as `wa`; answers `{status, data}`; a refusal is 422, an unknown token 401).
 */
export type SimulatorMode = 'core' | 'open';
export const SIMULATOR_MODES: readonly SimulatorMode[] = ['core', 'open'];

export interface Simulator {
  /** The root: `/__sim/*` controls live here, the API under `url + apiPrefix`. */
  url: string;
  port: number;
  mode: SimulatorMode;
  /** `/api/core` or `/api/open`. */
  apiPrefix: string;
  store: SimulatorStore;
  stop(): Promise<void>;
}

export interface SimulatorOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  mode?: SimulatorMode;
  /** Keeps rooms and tokens across restarts. */
  stateFile?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

interface ReceivedPart {
  fields: Record<string, string>;
  file: { fileName: string; mimeType: string; sizeBytes: number; sha256: string } | null;
}

const bearer = (req: Request) => /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];

/** The two APIs' error bodies and the status each uses for a provider refusal. */
const SHAPES = {
  core: {
    prefix: '/api/core',
    refusalStatus: 413,
    fail: (status: number, code: string, message: string): SimAnswer => ({ status, body: { error: { code, message } } }),
    room: (room: SimRoom) => ({ data: { id: room.id, account_id: room.accountId, channel: room.channel } }),
    created: (id: string, room: SimRoom) => ({ data: { id, room_id: room.id, status: 'sent' } }),
  },
  open: {
    prefix: '/api/open',
    refusalStatus: 422,
    fail: (status: number, code: string, message: string): SimAnswer => ({
      status,
      body: { status: 'error', error: { code: status, messages: [message], reason: code } },
    }),
    room: (room: SimRoom) => ({
      status: 'success',
      data: {
        id: room.id,
        name: `Customer ${room.id.slice(0, 8)}`,
        status: 'assigned',
        type: 'single',
        channel: openApiCode(room.channel),
        channel_account: 'Demo',
        organization_id: room.accountId,
        channel_integration_id: crypto.createHash('sha256').update(`${room.accountId}:${room.channel}`).digest('hex').slice(0, 32),
        created_at: room.createdAt,
      },
    }),
    created: (id: string, room: SimRoom) => ({ status: 'success', data: { id, room_id: room.id, organization_id: room.accountId } }),
  },
} as const;

/**
 * Reads a multipart body as it arrives: text fields kept, the one file hashed and counted
 * chunk by chunk and never held whole. Resolves when the body has been read completely.
 */
function receive(req: Request): Promise<ReceivedPart> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });
    } catch (error) {
      reject(error);
      return;
    }
    const fields: Record<string, string> = {};
    let file: ReceivedPart['file'] = null;
    let pending: Promise<void> = Promise.resolve();
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (_name, stream, info) => {
      const hash = crypto.createHash('sha256');
      let sizeBytes = 0;
      pending = new Promise<void>((done, failed) => {
        stream.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          sizeBytes += chunk.length;
        });
        stream.on('error', failed);
        stream.on('end', () => {
          file = { fileName: info.filename ?? 'file', mimeType: info.mimeType, sizeBytes, sha256: hash.digest('hex') };
          done();
        });
      });
    });
    parser.on('error', reject);
    parser.on('close', () => pending.then(() => resolve({ fields, file }), reject));
    req.pipe(parser);
  });
}

/**
 * The ChatService simulator (SPEC sections 9 and 11): the room lookup and bot message endpoints
 * of the chosen API, plus `/__sim/*` controls. Tokens: a room registered with a `token` makes it
 * the account's ChatService token; calls for that account's rooms must carry it.
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const mode = options.mode ?? 'core';
  const shape = SHAPES[mode];
  const { fail } = shape;
  const store = new SimulatorStore(options.stateFile);
  const log = options.log ?? (() => {});
  const app = express();
  app.disable('x-powered-by');
  const send = (res: Response, answer: SimAnswer) => void res.status(answer.status).json(answer.body);

  /** No token: 401. The open API also answers 401 to a token nobody registered. */
  const refuseToken = (token: string | undefined): SimAnswer | null => {
    if (!token) return fail(401, 'unauthorized', 'Bearer token required');
    if (mode === 'open' && !store.knowsToken(token)) return fail(401, 'unauthorized', 'Invalid access token');
    return null;
  };

  app.get(`${shape.prefix}/v1/rooms/:id`, (req, res) => {
    const token = bearer(req);
    const refused = refuseToken(token);
    if (refused) return send(res, refused);
    const room = store.room(String(req.params.id));
    // Another account's room is indistinguishable from an unknown one.
    if (!room || !store.tokenMatches(room.accountId, token)) return send(res, fail(404, 'not_found', 'Room not found'));
    res.json(shape.room(room));
  });

  app.post(`${shape.prefix}/v1/messages/:channel/bot`, async (req, res) => {
    const fault = store.takeFault();
    let received: ReceivedPart;
    try {
      received = await receive(req);
    } catch (error) {
      return send(res, fail(400, 'bad_request', `Unreadable multipart body: ${(error as Error).message}`));
    }
    const roomId = received.fields.room_id ?? '';
    if (store.room(roomId)) store.countCall(roomId);
    if (fault.status !== undefined) {
      await delay(fault.latencyMs);
      if (fault.status === 0) return void req.socket.destroy();
      if (fault.retryAfterSeconds !== undefined) res.set('retry-after', String(fault.retryAfterSeconds));
      return send(res, fail(fault.status, 'simulated_fault', 'Simulated failure'));
    }
    const answer = await handleMessage(String(req.params.channel), bearer(req), req.get('idempotency-key') ?? null, received);
    await delay(fault.latencyMs);
    send(res, answer);
  });

  async function handleMessage(channel: string, token: string | undefined, key: string | null, part: ReceivedPart): Promise<SimAnswer> {
    const refused = refuseToken(token);
    if (refused) return refused;
    const room = store.room(part.fields.room_id ?? '');
    if (!room || !store.tokenMatches(room.accountId, token)) return fail(404, 'not_found', 'Room not found');
    if (providerOf(room.channel) !== providerOf(channel)) {
      return fail(mode === 'open' ? 422 : 400, 'channel_mismatch', `Room ${room.id} is on ${room.channel}, not ${channel}`);
    }
    if (part.fields.type === 'text') return handleText(room, channel, key, part);
    const type = part.fields.type as Kind;
    if (!KINDS.includes(type)) return fail(mode === 'open' ? 422 : 400, 'bad_type', `type must be one of text, ${KINDS.join(', ')}`);
    const file = part.file;
    if (!file) return fail(mode === 'open' ? 422 : 400, 'file_required', 'A file part is required');
    const refusal = providerRefusal(channel, { kind: type, fileName: file.fileName, sizeBytes: file.sizeBytes });
    if (refusal) return fail(shape.refusalStatus, 'channel_limit_exceeded', refusal);
    return store.once(room.accountId, key, async () => {
      const message = store.store({
        roomId: room.id,
        channel,
        type,
        fileName: file.fileName,
        mimeType: file.mimeType,
        sizeBytes: file.sizeBytes,
        sha256: file.sha256,
        caption: part.fields.text || null,
        idempotencyKey: key,
      });
      log('simulator.message', { roomId: room.id, fileName: file.fileName, sizeBytes: file.sizeBytes });
      return { status: 201, body: shape.created(message.id, room) };
    });
  }

  /** A text message (`type=text`, the `text` field, no file): kept in the inbox with its text as the caption. */
  async function handleText(room: SimRoom, channel: string, key: string | null, part: ReceivedPart): Promise<SimAnswer> {
    const text = part.fields.text ?? '';
    if (part.file) return fail(mode === 'open' ? 422 : 400, 'bad_request', 'A text message carries no file');
    if (!text.trim()) return fail(mode === 'open' ? 422 : 400, 'text_required', 'A text message needs text');
    return store.once(room.accountId, key, async () => {
      const message = store.store({
        roomId: room.id,
        channel,
        type: 'text',
        fileName: '',
        mimeType: 'text/plain',
        sizeBytes: 0,
        sha256: '',
        caption: text,
        idempotencyKey: key,
      });
      log('simulator.message', { roomId: room.id, type: 'text', chars: text.length });
      return { status: 201, body: shape.created(message.id, room) };
    });
  }

  app.use('/__sim', express.json({ limit: '64kb' }));

  app.post('/__sim/rooms', (req, res) => {
    const { accountId, channel, token } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof accountId !== 'string' || !accountId || typeof channel !== 'string' || !channel) {
      return send(res, fail(400, 'bad_request', 'accountId and channel are required'));
    }
    if (token !== undefined && typeof token !== 'string') {
      return send(res, fail(400, 'bad_request', 'token must be a string'));
    }
    const room = store.addRoom(accountId, channel, token);
    res.status(201).json({ id: room.id, accountId: room.accountId, channel: room.channel });
  });

  app.get('/__sim/inbox', (req, res) => {
    res.json(store.inbox(typeof req.query.roomId === 'string' ? req.query.roomId : undefined));
  });

  /** Calls to the message endpoint (failed ones included), per room or in all. */
  app.get('/__sim/calls', (req, res) => {
    res.json({ calls: store.calls(typeof req.query.roomId === 'string' ? req.query.roomId : undefined) });
  });

  app.get('/__sim/faults', (_req, res) => {
    res.json(store.currentFaults());
  });

  app.post('/__sim/faults', (req, res) => {
    const parsed = parseFaults(req.body);
    if (typeof parsed === 'string') return send(res, fail(400, 'bad_request', parsed));
    store.setFaults(parsed);
    res.json(store.currentFaults());
  });

  app.delete('/__sim/faults', (_req, res) => {
    store.clearFaults();
    res.status(204).end();
  });

  app.use((_req: Request, res: Response) => send(res, fail(404, 'not_found', 'No such endpoint')));

  const server = http.createServer(app);
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  log('simulator.ready', { url, mode });
  return {
    url,
    port,
    mode,
    apiPrefix: shape.prefix,
    store,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function parseFaults(body: unknown): SimFaults | string {
  const b = (body ?? {}) as Record<string, unknown>;
  const faults: SimFaults = {};
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  if (b.status !== undefined) {
    // 2xx: a success that names no message (the answer carries no message id), as a misbehaving ChatService might.
    if (!int(b.status) || ((b.status as number) !== 0 && ((b.status as number) < 200 || (b.status as number) > 599 || ((b.status as number) >= 300 && (b.status as number) < 400)))) {
      return 'status must be 0 (drop the connection), a 2xx (a success without a message id) or an HTTP status from 400 to 599';
    }
    faults.status = b.status as number;
  }
  if (b.count !== undefined) {
    if (!int(b.count) || (b.count as number) < 1) return 'count must be a whole number of at least 1';
    faults.count = b.count as number;
  }
  if (b.rate !== undefined) {
    if (typeof b.rate !== 'number' || b.rate < 0 || b.rate > 1) return 'rate must be a number from 0 to 1';
    faults.rate = b.rate;
  }
  if (b.latencyMs !== undefined) {
    if (!int(b.latencyMs) || (b.latencyMs as number) < 0 || (b.latencyMs as number) > 600_000) {
      return 'latencyMs must be a whole number from 0 to 600000';
    }
    faults.latencyMs = b.latencyMs as number;
  }
  if (b.retryAfterSeconds !== undefined) {
    if (!int(b.retryAfterSeconds) || (b.retryAfterSeconds as number) < 0 || (b.retryAfterSeconds as number) > 86_400) {
      return 'retryAfterSeconds must be a whole number from 0 to 86400';
    }
    if (faults.status === undefined || faults.status === 0) return 'retryAfterSeconds goes with a status (the answer that carries it)';
    faults.retryAfterSeconds = b.retryAfterSeconds as number;
  }
  if (faults.status === undefined && faults.latencyMs === undefined) return 'give a status, a latencyMs, or both';
  return faults;
}
