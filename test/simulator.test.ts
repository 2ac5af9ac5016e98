import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatServiceAdapter, type ChatServiceCredentials, type FileMessage } from '../server/src/chat-service/chat-service.adapter.js';
import { spawnSimulator, type SimulatorProcess } from '../simulator/src/process.js';
import { FILES } from './support/files.js';
import { SimulatorControl } from './support/sends.js';

/**
 * The simulator as its own process, in each of its modes, driven through the server's adapter
 * over real HTTP: what the adapter reads of each API's answers, and what the simulator refuses.
 */
describe.each(['core', 'open'] as const)('ChatService simulator, %s API', (mode) => {
  let sim: SimulatorProcess;
  let control: SimulatorControl;
  let adapter: ChatServiceAdapter;
  // In the open API rooms carry the organization id; in the internal one our account id.
  const owner = mode === 'open' ? 'org-42' : 'acct-1';
  const who: ChatServiceCredentials = {
    accountId: 'acct-1',
    token: 'sat_account_token',
    organizationId: mode === 'open' ? 'org-42' : null,
  };
  let room: string;

  const message = (overrides: Partial<FileMessage> = {}): FileMessage => {
    const bytes = FILES.pdf(100_000);
    return {
      channel: 'whatsapp',
      roomId: room,
      type: 'document',
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
    sim = await spawnSimulator({ port: 0, mode, logLevel: 'silent' });
    control = new SimulatorControl(sim.url);
    adapter = new ChatServiceAdapter({
      baseUrl: sim.url,
      api: mode,
      roomPath: '/v1/rooms/{room}',
      messagePath: '/v1/messages/{channel}/bot',
      timeoutMs: 1000,
      uploadTimeoutMs: 2000,
    });
    room = await control.addRoom(owner, 'whatsapp', who.token!);
  });
  afterAll(() => sim?.stop());

  it(`serves its API under ${mode === 'open' ? '/api/open' : '/api/core'} and the adapter finds it there`, () => {
    expect(sim.apiPrefix).toBe(`/api/${mode}`);
    expect(adapter.baseUrl).toBe(`${sim.url}/api/${mode}`);
  });

  it('answers a room lookup with its channel, and not_found for an unknown room or another account', async () => {
    expect(await adapter.lookupRoom(who, room)).toEqual({ kind: 'found', room: { id: room, channel: 'whatsapp', channelCode: mode === 'open' ? 'wa' : 'whatsapp' } });
    expect(await adapter.lookupRoom(who, 'nope')).toEqual({ kind: 'not_found' });
    const other = await control.addRoom('someone-else', 'telegram', 'other_token');
    expect(await adapter.lookupRoom(who, other)).toEqual({ kind: 'not_found' });
  });

  it('reports a refused token as a credentials problem, not a missing room', async () => {
    const stranger = { ...who, token: 'never_registered' };
    const lookup = await adapter.lookupRoom(stranger, room);
    // The internal API hides another token's room (404); the open API refuses an unknown token (401).
    if (mode === 'open') expect(lookup).toMatchObject({ kind: 'credentials', httpStatus: 401 });
    else expect(lookup).toEqual({ kind: 'not_found' });
    expect(await adapter.sendFile(stranger, message())).toMatchObject(
      mode === 'open' ? { kind: 'credentials', httpStatus: 401 } : { kind: 'rejected', httpStatus: 404 },
    );
  });

  it('stores a streamed file with its sha256, size, type, caption and Unicode name', async () => {
    const m = message();
    const outcome = await adapter.sendFile(who, m);
    expect(outcome).toMatchObject({ kind: 'delivered', httpStatus: 201, messageId: expect.any(String), excerpt: expect.stringContaining('"id"') });
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

  it(`refuses, with its own provider limits, a file over the channel's limit (${mode === 'open' ? 422 : 413})`, async () => {
    const big = 6 * 1024 * 1024;
    const outcome = await adapter.sendFile(
      who,
      message({ type: 'image', fileName: 'huge.png', mimeType: 'image/png', sizeBytes: big, open: () => Readable.from([Buffer.alloc(big)]) }),
    );
    expect(outcome).toMatchObject({ kind: 'refused', httpStatus: mode === 'open' ? 422 : 413, error: expect.stringContaining('5 MB') });
  });

  it('honours Idempotency-Key: a repeat gets the first answer and is stored once', async () => {
    const m = message();
    const first = await adapter.sendFile(who, m);
    const again = await adapter.sendFile(who, m);
    expect(again).toMatchObject({ kind: 'delivered', messageId: (first as { messageId: string }).messageId });
    expect((await control.inbox(room)).filter((x) => x.idempotencyKey === m.idempotencyKey)).toHaveLength(1);
  });

  it('fails the first N calls, drops connections, and validates fault settings', async () => {
    await control.setFaults({ status: 503, count: 2 });
    expect(await adapter.sendFile(who, message())).toMatchObject({ kind: 'retry', httpStatus: 503 });
    expect(await adapter.sendFile(who, message())).toMatchObject({ kind: 'retry', httpStatus: 503 });
    expect(await adapter.sendFile(who, message())).toMatchObject({ kind: 'delivered' });

    await control.setFaults({ status: 0, count: 1 });
    const dropped = await adapter.sendFile(who, message());
    expect(dropped).toMatchObject({ kind: 'retry', httpStatus: null, error: expect.stringContaining('connection error') });
    await control.clearFaults();

    // A redirect is no fault it plays (the adapter never follows one); a 2xx is: success without a message id.
    const res = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 302 }),
    });
    expect(res.status).toBe(400);
    await control.setFaults({ status: 200, count: 1 });
    expect(await adapter.sendFile(who, message())).toMatchObject({ kind: 'retry', httpStatus: 200, unconfirmed: true });
  });
});
