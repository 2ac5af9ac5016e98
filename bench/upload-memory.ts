import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryOf, report, resetPeak, startServerProcess } from './lib.js';

/**
 * Peak server memory while uploading one 75 MB file, and five at once, against idle.
 * Uploads stream from disk on the client side too, so only the server's memory moves.
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

const server = await startServerProcess();
const pid = server.child.pid!;

async function upload(name: string) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: UPLOAD, variables: { f: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', await fs.openAsBlob(file), name);
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.tokens.ADMIN}`, 'apollo-require-preflight': 'true' },
    body: form,
  });
  const body = await res.json();
  if (body.errors || body.data.uploadAttachment.sizeBytes !== MAX) throw new Error(JSON.stringify(body));
}

try {
  // Warm up: the first request loads code paths that stay resident.
  await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.tokens.ADMIN}` },
    body: JSON.stringify({ query: '{ me { role } }' }),
  });
  await new Promise((r) => setTimeout(r, 500));
  const idle = memoryOf(pid).rssMb;

  resetPeak(pid);
  await upload('one.pdf');
  const one = memoryOf(pid).peakMb;

  await new Promise((r) => setTimeout(r, 500));
  resetPeak(pid);
  await Promise.all([1, 2, 3, 4, 5].map((i) => upload(`five-${i}.pdf`)));
  const five = memoryOf(pid).peakMb;

  report([
    { name: 'server start-up to healthy, fresh DATA_DIR', value: server.startupMs, unit: 'ms' },
    { name: 'server RSS idle', value: idle, unit: 'MB' },
    { name: 'server peak RSS, one 75 MB upload', value: one, unit: 'MB', baseline: { name: 'idle', value: idle } },
    { name: 'server peak RSS added, one 75 MB upload', value: one - idle, unit: 'MB' },
    { name: 'server peak RSS, five 75 MB uploads at once', value: five, unit: 'MB', baseline: { name: 'idle', value: idle } },
    { name: 'server peak RSS added, five 75 MB uploads at once', value: five - idle, unit: 'MB' },
  ]);
} finally {
  await server.stop();
  fs.rmSync(file, { force: true });
}
