import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../server/src/infra/queue/queue.js';
import { FILES } from '../support/files.js';
import { saveAction, uploadFile } from '../support/operations.js';
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
    (await uploadFile(stack.client, acme.tokens.ADMIN, { name, content })).data.uploadAttachment as { id: string; sha256: string };
  const exists = async (id: string) => (await stack.sql`select 1 from attachments where id = ${id}`).length === 1;
  const blobOf = (sha: string) => stack.storedFiles().find((f) => f.endsWith(sha));

  it('removes uploads no action references after 24 h, with their bytes, and keeps the rest', async () => {
    const stale = await stage('stale.pdf', FILES.pdf(10_001));
    const fresh = await stage('fresh.pdf', FILES.pdf(10_002));
    const pinned = await stage('pinned.pdf', FILES.pdf(10_003));
    // Same bytes as `pinned`, staged long ago: its row goes, the shared blob stays.
    const staleTwin = await stage('twin.pdf', FILES.pdf(10_003));
    await saveAction(stack.client, acme.tokens.ADMIN, { agentId: acme.agentId, attachmentIds: [pinned.id] });
    const dayAndHourAgo = new Date(Date.now() - 25 * 3600_000);
    await stack.sql`update attachments set created_at = ${dayAndHourAgo} where id in ${stack.sql([stale.id, staleTwin.id, pinned.id])}`;
    for (const sha of [stale.sha256, pinned.sha256]) fs.utimesSync(blobOf(sha)!, dayAndHourAgo, dayAndHourAgo);

    await stack.server.queue.send(JOBS.FILES_CLEANUP, {});
    const deadline = Date.now() + 20_000;
    while ((await exists(stale.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    expect(await exists(stale.id)).toBe(false);
    expect(blobOf(stale.sha256)).toBeUndefined();
    expect(await exists(staleTwin.id)).toBe(false);
    expect(await exists(fresh.id)).toBe(true);
    expect(blobOf(fresh.sha256)).toBeDefined();
    expect(await exists(pinned.id)).toBe(true);
    expect(blobOf(pinned.sha256)).toBeDefined();
  });

  it('is scheduled with pg-boss', async () => {
    const schedules = await stack.server.queue.getSchedules();
    expect(schedules.map((s) => s.name)).toContain(JOBS.FILES_CLEANUP);
  });
});
