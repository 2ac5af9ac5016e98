import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/infra/config/config.js';
import { createBlobStore } from '../../server/src/infra/container.js';
import { S3BlobStore } from '../../server/src/files/s3-storage.js';
import { createTestStorage, type TestStorage } from '../support/storage.js';

/**
 * A transparent HTTP proxy in front of the run's S3 server that notes each request's method and
 * query: how the test sees multipart calls the server does not list (ListMultipartUploads).
 */
async function recordingProxy(target: string) {
  const seen: string[] = [];
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `size` bytes in 1 MB chunks, as a slow client would send them. */
const chunked = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / 2 ** 20) }, (_, i) => bytes.subarray(i * 2 ** 20, (i + 1) * 2 ** 20)));
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('S3BlobStore against an S3 protocol server', () => {
  let storage: TestStorage;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let store: S3BlobStore;

  beforeAll(async () => {
    storage = await createTestStorage('s3', '');
    proxy = await recordingProxy(storage.env.S3_ENDPOINT!);
    store = new S3BlobStore(loadConfig({ ...storage.env, S3_ENDPOINT: proxy.url }).s3!);
  });
  afterAll(async () => {
    await proxy?.close();
    await storage?.destroy();
  });

  it('aborts the multipart upload when a check refuses the file mid-stream, leaving no object', async () => {
    const bytes = crypto.randomBytes(14 * 2 ** 20);
    const refusal = new Error('refused at 11 MB');
    let seenBytes = 0;
    proxy.seen.length = 0;
    await expect(
      store.stage(chunked(bytes), {
        chunk: (chunk) => {
          seenBytes += chunk.length;
          if (seenBytes > 11 * 2 ** 20) throw refusal;
        },
      }),
    ).rejects.toBe(refusal);

    const created = proxy.seen.filter((r) => /^POST \/[^?]+\?uploads/.test(r));
    expect(created).toHaveLength(1);
    expect(proxy.seen.some((r) => /^PUT .*partNumber=/.test(r))).toBe(true);
    const aborted = proxy.seen.filter((r) => /^DELETE .*uploadId=/.test(r));
    expect(aborted).toHaveLength(1);
    expect(proxy.seen.some((r) => /^POST .*uploadId=/.test(r))).toBe(false); // never completed
    expect(await storage.keys()).toEqual([]);
  });

  it('stages under tmp/, commits to blobs/ab/cd/<sha256> and streams the bytes back identical', async () => {
    const bytes = crypto.randomBytes(12 * 2 ** 20 + 3);
    const staged = await store.stage(chunked(bytes));
    expect(staged).toMatchObject({ sha256: sha(bytes), sizeBytes: bytes.length });
    expect(await storage.keys()).toEqual([staged.stagingKey]);
    expect(staged.stagingKey).toMatch(/^tmp\/[0-9a-f-]{36}\.part$/);

    await store.commit(staged);
    const key = `blobs/${staged.sha256.slice(0, 2)}/${staged.sha256.slice(2, 4)}/${staged.sha256}`;
    expect(await storage.keys()).toEqual([key]);
    const read: Buffer[] = [];
    for await (const chunk of store.read(staged.sha256)) read.push(chunk as Buffer);
    expect(Buffer.concat(read).equals(bytes)).toBe(true);

    // The same bytes again: the blob is kept, not copied over; only the staged copy goes.
    proxy.seen.length = 0;
    await store.commit(await store.stage(chunked(bytes)));
    expect(proxy.seen.filter((r) => r.startsWith('PUT') && !r.includes('partNumber'))).toEqual([]);
    expect(await storage.keys()).toEqual([key]);
    await store.remove(staged.sha256);
    expect(await store.has(staged.sha256)).toBe(false);
  });

  it('reads a missing blob as a stream error, not a crash', async () => {
    await expect(text(store.read('0'.repeat(64)))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('refuses to start on a bucket that does not exist, with a message naming it', async () => {
    const config = loadConfig({ ...storage.env, S3_BUCKET: 'sa-test-no-such-bucket' });
    const start = createBlobStore(config);
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/S3 bucket "sa-test-no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ is not usable: the bucket does not exist/);
  });
});
