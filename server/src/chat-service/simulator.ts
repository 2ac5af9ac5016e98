import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import busboy from 'busboy';
import express, { type Request, type Response } from 'express';
import { CHANNELS, channelRefusal, isChannelId } from '../channels/channels.js';
import { extensionOf } from '../files/file-name.js';
import type { FileKind } from '../files/limits.js';
import type { Logger } from '../infra/log/logger.js';
import { SimulatorStore, type SimAnswer, type SimFaults } from './simulator-store.js';

const KINDS: readonly FileKind[] = ['image', 'video', 'audio', 'document'];

export interface Simulator {
  url: string;
  port: number;
  store: SimulatorStore;
  stop(): Promise<void>;
}

export interface SimulatorOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  log: Logger;
  /** Keeps rooms and tokens across restarts. */
  stateFile?: string;
}

interface ReceivedPart {
  fields: Record<string, string>;
  file: { fileName: string; mimeType: string; sizeBytes: number; sha256: string } | null;
}

const bearer = (req: Request) => /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
const fail = (status: number, code: string, message: string): SimAnswer => ({ status, body: { error: { code, message } } });

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
 * The ChatService simulator (SPEC sections 9 and 11): ChatService's room lookup and bot
 * message endpoints, plus `/__sim/*` controls. Tokens: a room registered with a `token`
 * makes it the account's ChatService token; calls for that account's rooms must carry it.
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const store = new SimulatorStore(options.stateFile);
  const { log } = options;
  const app = express();
  app.disable('x-powered-by');

  app.get('/api/core/v1/rooms/:id', (req, res) => {
    const room = store.room(String(req.params.id));
    const token = bearer(req);
    if (!token) return void res.status(401).json(fail(401, 'unauthorized', 'Bearer token required').body);
    // Another account's room is indistinguishable from an unknown one.
    if (!room || !store.tokenMatches(room.accountId, token)) {
      return void res.status(404).json(fail(404, 'not_found', 'Room not found').body);
    }
    res.json({ data: { id: room.id, account_id: room.accountId, channel: room.channel } });
  });

  app.post('/api/core/v1/messages/:channel/bot', async (req, res) => {
    const fault = store.takeFault();
    let received: ReceivedPart;
    try {
      received = await receive(req);
    } catch (error) {
      return void res.status(400).json(fail(400, 'bad_request', `Unreadable multipart body: ${(error as Error).message}`).body);
    }
    const roomId = received.fields.room_id ?? '';
    if (store.room(roomId)) store.countCall(roomId);
    if (fault.status !== undefined) {
      await delay(fault.latencyMs);
      if (fault.status === 0) return void req.socket.destroy();
      return void res.status(fault.status).json(fail(fault.status, 'simulated_fault', 'Simulated failure').body);
    }
    const answer = await handleMessage(String(req.params.channel), bearer(req), req.get('idempotency-key') ?? null, received);
    await delay(fault.latencyMs);
    res.status(answer.status).json(answer.body);
  });

  async function handleMessage(channel: string, token: string | undefined, key: string | null, part: ReceivedPart) {
    const room = store.room(part.fields.room_id ?? '');
    if (!token) return fail(401, 'unauthorized', 'Bearer token required');
    if (!room || !store.tokenMatches(room.accountId, token)) return fail(404, 'not_found', 'Room not found');
    if (room.channel !== channel) return fail(400, 'channel_mismatch', `Room ${room.id} is on ${room.channel}, not ${channel}`);
    const type = part.fields.type as FileKind;
    if (!KINDS.includes(type)) return fail(400, 'bad_type', `type must be one of ${KINDS.join(', ')}`);
    const file = part.file;
    if (!file) return fail(400, 'file_required', 'A file part is required');
    if (!isChannelId(channel)) return fail(400, 'unknown_channel', `Unknown channel ${channel}`);
    const refusal = channelRefusal(CHANNELS[channel], {
      kind: type,
      extension: extensionOf(file.fileName),
      sizeBytes: file.sizeBytes,
    });
    if (refusal) return fail(413, 'channel_limit_exceeded', refusal);
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
      log.debug('simulator.message', { roomId: room.id, fileName: file.fileName, sizeBytes: file.sizeBytes });
      return { status: 201, body: { data: { id: message.id, room_id: room.id, status: 'sent' } } };
    });
  }

  app.use('/__sim', express.json({ limit: '64kb' }));

  app.post('/__sim/rooms', (req, res) => {
    const { accountId, channel, token } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof accountId !== 'string' || !accountId || typeof channel !== 'string' || !channel) {
      return void res.status(400).json(fail(400, 'bad_request', 'accountId and channel are required').body);
    }
    if (token !== undefined && typeof token !== 'string') {
      return void res.status(400).json(fail(400, 'bad_request', 'token must be a string').body);
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
    if (typeof parsed === 'string') return void res.status(400).json(fail(400, 'bad_request', parsed).body);
    store.setFaults(parsed);
    res.json(store.currentFaults());
  });

  app.delete('/__sim/faults', (_req, res) => {
    store.clearFaults();
    res.status(204).end();
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json(fail(404, 'not_found', 'No such endpoint').body);
  });

  const server = http.createServer(app);
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info('simulator.ready', { url: `http://127.0.0.1:${port}` });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
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
    if (!int(b.status) || ((b.status as number) !== 0 && ((b.status as number) < 400 || (b.status as number) > 599))) {
      return 'status must be 0 (drop the connection) or an HTTP status from 400 to 599';
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
  if (faults.status === undefined && faults.latencyMs === undefined) return 'give a status, a latencyMs, or both';
  return faults;
}
