import crypto from 'node:crypto';
import { DELETE, saveAction, uploadFile } from './operations.js';
import type { TestAccount, TestStack } from './stack.js';

/**
 * How account A lets go of some bytes while account B uploads the same bytes: A deletes the
 * action they are pinned to, or A's staged upload of them is removed by the cleanup.
 */
export type Release = 'delete-action' | 'staged-cleanup';

/**
 * The racing stack: no worker, and no per-account request budget, since the races send a few
 * hundred console requests in seconds, far past what a builder's budget allows.
 */
export const RACE_ENV = { WORKER_CONCURRENCY: '0', RATE_LIMIT_CONSOLE_POINTS: '0' };

export interface RaceOutcome {
  rounds: number;
  /** HTTP requests and cleanup runs. */
  requests: number;
  /** B's uploads that succeeded with their blob gone: a row pointing at a missing file. */
  lost: number;
}

/** A fresh, valid PDF per round: new bytes each time, so each round races on a blob of its own. */
const uniquePdf = () => Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(20_000)]);
const sha256 = (content: Buffer) => crypto.createHash('sha256').update(content).digest('hex');

/**
 * Issue 9 item 4: "is the blob still referenced?" and "delete it" against a concurrent upload of
 * the same bytes by another account. Each round A releases the bytes while B uploads them (by
 * uploadAttachment on even rounds, inline in a save on odd ones); afterwards B's row must still
 * find its blob. Nothing in the server is slowed down or mocked: the two requests are simply
 * started together, many times.
 */
export async function raceSameBytes(stack: TestStack, a: TestAccount, b: TestAccount, release: Release, rounds: number): Promise<RaceOutcome> {
  let requests = 0;
  let lost = 0;
  for (let round = 0; round < rounds; round++) {
    const content = uniquePdf();
    const file = { name: `race-${round}.pdf`, content };
    let letGo: () => Promise<unknown>;
    if (release === 'delete-action') {
      const saved = await saveAction(stack.client, a.tokens.ADMIN, { agentId: a.agentId, name: `Race ${round}` }, [file]);
      if (saved.errors) throw new Error(`save: ${JSON.stringify(saved.errors)}`);
      const actionId = saved.data!.saveSendAttachmentAction.id as string;
      letGo = () => stack.client.query(a.tokens.ADMIN, DELETE, { id: actionId });
    } else {
      const staged = await uploadFile(stack.client, a.tokens.ADMIN, file);
      if (staged.errors) throw new Error(`upload: ${JSON.stringify(staged.errors)}`);
      await stack.sql`update attachments set created_at = now() - interval '25 hours' where id = ${staged.data!.uploadAttachment.id}`;
      letGo = () => stack.server.services.files.removeStale(24);
    }
    requests++;

    const take = () =>
      round % 2 === 0
        ? uploadFile(stack.client, b.tokens.ADMIN, file)
        : saveAction(stack.client, b.tokens.ADMIN, { agentId: b.agentId, name: `Race ${round}` }, [file]);
    const [, taken] = await Promise.all([letGo(), take()]);
    requests += 2;
    if (taken.errors) throw new Error(`B's upload was refused: ${JSON.stringify(taken.errors)}`);
    if (!(await stack.storage.hasBlob(sha256(content)))) lost++;
  }
  return { rounds, requests, lost };
}

/** Every attachment row whose blob is not in storage (should be none, ever). */
export async function rowsWithoutBlob(stack: TestStack): Promise<string[]> {
  const rows = await stack.sql<{ id: string; sha256: string }[]>`select id, sha256 from attachments`;
  const missing: string[] = [];
  for (const row of rows) if (!(await stack.storage.hasBlob(row.sha256))) missing.push(row.id);
  return missing;
}
