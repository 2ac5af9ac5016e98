import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILES } from '../support/files.js';
import { addRoom, invoke, simulatorOf, waitForFinalSend } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { createTrainedAction } from '../support/factories.js';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Every file under `dir`, relative: what a machine keeps on its own disk. */
const filesUnder = (dir: string) =>
  fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(dir, p)).isFile()) : [];

describe('two machines sharing one database and one S3 bucket, no disk', () => {
  let builderMachine: TestStack;
  let account: TestAccount;
  let workerMachine: WorkerProcess;
  let workerDataDir: string;

  beforeAll(async () => {
    // Machine 1 serves GraphQL and delivers nothing; machine 2 only delivers, from its own DATA_DIR.
    // Both open the accounts' sealed ChatService tokens with the same SECRETS_KEY, as
    // docs/deployment.md asks of every process (no key file is shared: no disk is).
    const secretsKey = crypto.randomBytes(32).toString('base64');
    builderMachine = await startTestStack({ WORKER_CONCURRENCY: '0', SECRETS_KEY: secretsKey }, { storage: 's3' });
    account = await builderMachine.createAccount();
    workerDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-test-machine-2-'));
    workerMachine = spawnWorker(builderMachine, { DATA_DIR: workerDataDir, WORKER_POLL_MS: '100', SECRETS_KEY: secretsKey });
  });
  afterAll(async () => {
    await workerMachine?.kill('SIGTERM');
    await builderMachine?.stop();
    if (workerDataDir) fs.rmSync(workerDataDir, { recursive: true, force: true });
  });

  it('delivers a file uploaded on one machine from the other, byte for byte, and deleting the action removes the object', async () => {
    // Over S3's 5 MB part size, so both the upload and the delivery stream several parts.
    const brochure = FILES.pdf(12 * 1024 * 1024 + 7);
    const action = await createTrainedAction(builderMachine, account, { files: [{ name: 'brochure.pdf', content: brochure }] });
    expect(await builderMachine.storage.hasBlob(sha(brochure))).toBe(true);
    const room = await addRoom(builderMachine, account, 'whatsapp');

    const receipt = await invoke(builderMachine, account, { actionId: action.id, conversationId: room });
    expect(receipt.status).toBe('QUEUED');
    const send = await waitForFinalSend(builderMachine, account, receipt.sendId!, 60_000);

    expect(send.status).toBe('SENT');
    const inbox = await simulatorOf(builderMachine).inbox(room);
    expect(inbox.map((m) => ({ sha256: m.sha256, sizeBytes: m.sizeBytes }))).toEqual([{ sha256: sha(brochure), sizeBytes: brochure.length }]);
    // Neither machine kept the bytes on its own disk.
    expect(filesUnder(path.join(builderMachine.dataDir, 'files')).filter((p) => p.startsWith('blobs'))).toEqual([]);
    expect(filesUnder(workerDataDir)).toEqual([]);

    const deleted = await builderMachine.client.query(account.tokens.ADMIN, 'mutation($id: ID!) { deleteAction(id: $id) }', { id: action.id });
    expect(deleted.data).toEqual({ deleteAction: true });
    expect(await builderMachine.storage.hasBlob(sha(brochure))).toBe(false);
    expect(await builderMachine.storedFiles()).toEqual([]);
  }, 120_000);
});
