import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RACE_ENV, raceSameBytes, rowsWithoutBlob, type Release } from '../support/blob-races.js';
import { startTestStack, type TestAccount, type TestStack } from '../support/stack.js';

const ROUNDS = 30;

describe('blobs shared by two accounts', () => {
  let stack: TestStack;
  let a: TestAccount;
  let b: TestAccount;

  beforeAll(async () => {
    stack = await startTestStack(RACE_ENV);
    a = await stack.createAccount();
    b = await stack.createAccount();
  });
  afterAll(() => stack?.stop());

  it.each<Release>(['delete-action', 'staged-cleanup'])(
    `leave no row pointing at a missing blob when account A lets go of the bytes (%s) while B uploads them, ${ROUNDS} times`,
    async (release) => {
      const outcome = await raceSameBytes(stack, a, b, release, ROUNDS);
      expect(outcome.lost).toBe(0);
      expect(await rowsWithoutBlob(stack)).toEqual([]);
    },
  );
});
