import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../server/src/infra/queue/queue.js';
import { FILES } from '../support/files.js';
import { saveAction, uploadFile } from '../support/operations.js';
import { waitFor } from '../support/sends.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

describe('scheduled removal of stale staged uploads', () => {
  let stack: TestStack;
  let acme: TestAccount;

  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.createAccount();
  });
  afterAll(() => stack?.stop());

  const stage = async (name: string, content: Buffer) =>
    (await uploadFile(stack.client, acme.tokens.ADMIN, { name, content })).data!.uploadAttachment as { id: string; sha256: string };
  const exists = async (id: string) => (await stack.sql`select 1 from attachments where id = ${id}`).length === 1;
  const stored = (sha: string) => stack.storage.hasBlob(sha);
  const runCleanup = async () => {
    const jobId = await stack.server.queue.send(JOBS.FILES_CLEANUP, {});
    await waitFor(async () => ((await stack.server.queue.getJobById(JOBS.FILES_CLEANUP, jobId!))?.state === 'completed' ? true : undefined), {
      what: 'the cleanup job to complete',
    });
  };

  it('removes uploads no action references after 24 h, with their bytes, and keeps the rest', async () => {
    const stale = await stage('stale.pdf', FILES.pdf(10_001));
    const fresh = await stage('fresh.pdf', FILES.pdf(10_002));
    const pinned = await stage('pinned.pdf', FILES.pdf(10_003));
    // Same bytes as `pinned`, staged long ago: its row goes, the shared blob stays.
    const staleTwin = await stage('twin.pdf', FILES.pdf(10_003));
    await saveAction(stack.client, acme.tokens.ADMIN, { agentId: acme.agentId, attachmentIds: [pinned.id] });
    const dayAndHourAgo = new Date(Date.now() - 25 * 3600_000);
    await stack.sql`update attachments set created_at = ${dayAndHourAgo} where id in ${stack.sql([stale.id, staleTwin.id, pinned.id])}`;

    await runCleanup();

    expect(await exists(stale.id)).toBe(false);
    expect(await stored(stale.sha256)).toBe(false);
    expect(await exists(staleTwin.id)).toBe(false);
    expect(await exists(fresh.id)).toBe(true);
    expect(await stored(fresh.sha256)).toBe(true);
    expect(await exists(pinned.id)).toBe(true);
    expect(await stored(pinned.sha256)).toBe(true);
  });

  it('removes a blob no row needs, however new: one is committed only with its row', async () => {
    // What a crash between a blob's commit and its transaction's commit leaves behind.
    const content = FILES.pdf(10_004);
    const orphan = await stack.server.blobs.stage(Readable.from([content]));
    await stack.server.blobs.commit(orphan);
    expect(await stored(orphan.sha256)).toBe(true);
    const kept = await stage('kept.pdf', FILES.pdf(10_005));

    await runCleanup();

    expect(await stored(orphan.sha256)).toBe(false);
    expect(await stored(kept.sha256)).toBe(true);
  });

  it('removes staged bytes of an upload that never finished once they are older than the limit', async () => {
    const before = await stack.storedFiles();
    const left = await stack.server.blobs.stage(Readable.from([FILES.pdf(10_006)]));
    const stagedKeys = (await stack.storedFiles()).filter((key) => !before.includes(key));
    expect(stagedKeys).toEqual([expect.stringMatching(/^tmp\/.+\.part$/)]);
    // Younger than the limit: kept (its upload may still be on its way to a commit).
    expect(await stack.server.blobs.removeStalePartials(new Date(Date.now() - 3600_000))).toBe(0);
    expect(await stack.storedFiles()).toContain(stagedKeys[0]);
    // Older: removed, and never committed.
    expect(await stack.server.blobs.removeStalePartials(new Date(Date.now() + 60_000))).toBe(1);
    expect(await stack.storedFiles()).not.toContain(stagedKeys[0]);
    expect(await stored(left.sha256)).toBe(false);
  });

  it('is scheduled with pg-boss', async () => {
    const schedules = await stack.server.queue.getSchedules();
    expect(schedules.map((s) => s.name)).toContain(JOBS.FILES_CLEANUP);
  });
});
