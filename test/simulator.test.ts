import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/src/simulator.js';
import { ChatServiceClient } from '../server/src/chat-service/chat-service.client.js';
import { Readable } from 'node:stream';
import { FILES } from './support/files.js';
import { SimulatorControl } from './support/sends.js';

describe('ChatService simulator', () => {
  let sim: Simulator;
  let control: SimulatorControl;
  let client: ChatServiceClient;
  const token = 'sat_account_token';
  let room: string;

  const message = (overrides: Partial<Parameters<ChatServiceClient['sendFile']>[0]> = {}) => {
    const bytes = FILES.pdf(100_000);
    return {
      token,
      channel: 'whatsapp',
      roomId: room,
      type: 'document' as const,
      fileName: 'Prix – liste.pdf',
      mimeType: 'application/pdf',
      sizeBytes: bytes.length,
      open: () => Readable.from([bytes.subarray(0, 5000), bytes.subarray(5000)]),
      text: 'Caption',
      idempotencyKey: crypto.randomUUID(),
      ...overrides,
    };
  };

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
    control = new SimulatorControl(sim.url);
    client = new ChatServiceClient({ baseUrl: sim.url, timeoutMs: 1000, uploadTimeoutMs: 2000 });
    room = await control.addRoom('acct-1', 'whatsapp', token);
  });
  afterAll(() => sim?.stop());

  it('answers a room lookup with its account and channel, and 404 for an unknown room or another token', async () => {
    expect(await client.getRoom(token, room)).toEqual({ kind: 'found', room: { id: room, accountId: 'acct-1', channel: 'whatsapp' } });
    expect(await client.getRoom(token, 'nope')).toEqual({ kind: 'not_found' });
    expect(await client.getRoom('someone-else', room)).toEqual({ kind: 'not_found' });
  });

  it('stores a streamed file with its sha256, size, type, caption and Unicode name', async () => {
    const m = message();
    const outcome = await client.sendFile(m);
    expect(outcome).toMatchObject({ ok: true, httpStatus: 201, messageId: expect.any(String) });
    const [stored] = (await control.inbox(room)).filter((x) => x.idempotencyKey === m.idempotencyKey);
    expect(stored).toMatchObject({
      roomId: room,
      type: 'document',
      fileName: 'Prix – liste.pdf',
      sizeBytes: 100_000,
      sha256: crypto.createHash('sha256').update(FILES.pdf(100_000)).digest('hex'),
      caption: 'Caption',
    });
  });

  it("refuses a token that is not the room account's with 404", async () => {
    expect(await client.sendFile(message({ token: 'wrong' }))).toMatchObject({ ok: false, retryable: false, httpStatus: 404 });
  });

  it('answers 413 for a file over the channel limit', async () => {
    const big = 6 * 1024 * 1024;
    const outcome = await client.sendFile(
      message({ type: 'image', fileName: 'huge.png', mimeType: 'image/png', sizeBytes: big, open: () => Readable.from([Buffer.alloc(big)]) }),
    );
    expect(outcome).toMatchObject({ ok: false, retryable: false, httpStatus: 413 });
  });

  it('honours Idempotency-Key: a repeat gets the first answer and is stored once', async () => {
    const m = message();
    const first = await client.sendFile(m);
    const again = await client.sendFile(m);
    expect(again).toMatchObject({ ok: true, messageId: (first as { messageId: string }).messageId });
    expect((await control.inbox(room)).filter((x) => x.idempotencyKey === m.idempotencyKey)).toHaveLength(1);
  });

  it('fails the first N calls, drops connections, and validates fault settings', async () => {
    await control.setFaults({ status: 503, count: 2 });
    expect(await client.sendFile(message())).toMatchObject({ ok: false, retryable: true, httpStatus: 503 });
    expect(await client.sendFile(message())).toMatchObject({ ok: false, retryable: true, httpStatus: 503 });
    expect(await client.sendFile(message())).toMatchObject({ ok: true });

    await control.setFaults({ status: 0, count: 1 });
    const dropped = await client.sendFile(message());
    expect(dropped).toMatchObject({ ok: false, retryable: true, httpStatus: null, error: expect.stringContaining('connection error') });
    await control.clearFaults();

    const res = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 200 }),
    });
    expect(res.status).toBe(400);
  });
});
