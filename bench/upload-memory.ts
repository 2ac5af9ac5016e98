import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startFauxqs } from 'fauxqs';
import { figureName, memoryOf, report, resetPeak, round1, SCALING, startServerProcess, type Figure, type ServerProcess } from './lib.js';

/**
 * Peak server memory and time to store one 75 MB file, five and twenty at once, against idle, on each
 * store: local disk, and an S3 bucket (an S3 protocol server in this process, so its memory is
 * not the server's). Uploads stream from disk on the client side too, so only the server's
 * memory moves. STORAGE=local or STORAGE=s3 measures one.
 */
const MAX = 78_643_200;
const UPLOAD = 'mutation($f: Upload!) { uploadAttachment(file: $f) { id sizeBytes } }';

const file = path.join(os.tmpdir(), `bench-75mb-${process.pid}.pdf`);
const fd = fs.openSync(file, 'w');
fs.writeSync(fd, '%PDF-1.7\n');
const chunk = Buffer.alloc(1024 * 1024, 0x41);
let written = 9;
while (written < MAX) written += fs.writeSync(fd, chunk, 0, Math.min(chunk.length, MAX - written));
fs.closeSync(fd);
// Over S3's 5 MB part size, so the warm-up takes the multipart path too.
const SMALL = 6 * 1024 * 1024;
const small = path.join(os.tmpdir(), `bench-6mb-${process.pid}.pdf`);
fs.writeFileSync(small, Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(SMALL - 9, 0x42)]));

async function upload(server: ServerProcess, name: string, path = file, size = MAX) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: UPLOAD, variables: { f: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', await fs.openAsBlob(path), name);
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.tokens.ADMIN}`, 'apollo-require-preflight': 'true' },
    body: form,
  });
  const body = await res.json();
  if (body.errors || body.data.uploadAttachment.sizeBytes !== size) throw new Error(JSON.stringify(body));
}

async function measure(store: 'local' | 's3', env: Record<string, string>) {
  const server = await startServerProcess(env);
  const pid = server.child.pid!;
  try {
    // Warm up: the first request, and the first upload, load code paths that stay resident
    // (the multipart parser; on S3 the SDK's upload, signing and XML code), whatever the size.
    await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.tokens.ADMIN}` },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    await upload(server, 'warm-up.pdf', small, SMALL);
    await new Promise((r) => setTimeout(r, 500));
    const idle = memoryOf(pid).rssMb;

    // 1, 5 and 20 uploads at once: peak RSS and the time until the last one is stored.
    const on = store === 'local' ? '' : ', S3 store';
    const figures: Figure[] = [
      { name: `server start-up to healthy, fresh DATA_DIR${on}`, value: server.startupMs, unit: 'ms' },
      { name: `server RSS idle${on}`, value: idle, unit: 'MB' },
    ];
    for (const n of SCALING.uploadsAtOnce) {
      await new Promise((r) => setTimeout(r, 500));
      resetPeak(pid);
      const started = Date.now();
      await Promise.all(Array.from({ length: n }, (_, i) => upload(server, `at-once-${n}-${i}.pdf`)));
      const seconds = (Date.now() - started) / 1000;
      const peak = memoryOf(pid).peakMb;
      figures.push(
        { name: figureName.uploadPeak(n, on), value: peak, unit: 'MB', baseline: { name: 'idle', value: idle } },
        { name: figureName.uploadPeakAdded(n, on), value: peak - idle, unit: 'MB' },
        { name: figureName.uploadTime(n, on), value: round1(seconds), unit: 's' },
      );
    }
    report(figures);
  } finally {
    await server.stop();
  }
}

async function withBucket(fn: (env: Record<string, string>) => Promise<void>) {
  const s3 = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const env = {
    STORAGE: 's3',
    S3_BUCKET: 'bench-upload-memory',
    S3_ENDPOINT: s3.address,
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'bench',
    S3_SECRET_ACCESS_KEY: 'bench',
    S3_FORCE_PATH_STYLE: 'true',
  };
  const client = new S3Client({
    endpoint: s3.address,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: env.S3_BUCKET }));
    await fn(env);
  } finally {
    client.destroy();
    await s3.stop();
  }
}

try {
  if (process.env.STORAGE !== 's3') await measure('local', { STORAGE: 'local' });
  if (process.env.STORAGE !== 'local') await withBucket((env) => measure('s3', env));
} finally {
  fs.rmSync(file, { force: true });
  fs.rmSync(small, { force: true });
}
