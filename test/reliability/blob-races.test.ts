import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RACE_ENV, raceSameBytes, rowsWithoutBlob, type Release } from '../support/blob-races.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';
import type { StorageKind } from '../support/storage.js';
import { record } from './support/ledger.js';

const ROUNDS = 100;

describe.each<StorageKind>(['local', 's3'])('reliability: two accounts upload and let go of the same bytes at once (%s store)', (storage) => {
  let stack: TestStack;
  let a: TestAccount;
  let b: TestAccount;

  beforeAll(async () => {
    stack = await startTestStack(RACE_ENV, { storage });
    a = await stack.createAccount();
    b = await stack.createAccount();
  });
  afterAll(() => stack?.stop());

  it.each<Release>(['delete-action', 'staged-cleanup'])(`no row points at a missing blob after ${ROUNDS} races (%s)`, async (release) => {
    const outcome = await raceSameBytes(stack, a, b, release, ROUNDS);
    const orphaned = await rowsWithoutBlob(stack);
    // Each round is one race injected: a delete of the bytes concurrent with an upload of them.
    record({ test: `blob races: ${release}, ${storage} store`, faults: outcome.rounds, requests: outcome.requests, lost: outcome.lost + orphaned.length });
    expect(outcome.lost).toBe(0);
    expect(orphaned).toEqual([]);
  }, 300_000);
});
