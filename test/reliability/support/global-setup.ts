import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import setupDatabase from '../../support/global-setup.js';
import { LEDGER, summaryLine } from './ledger.js';

/** The main suite's database setup, plus a fresh ledger; the teardown prints the summary line. */
export default async function setup(project: TestProject) {
  fs.rmSync(LEDGER, { force: true });
  const teardown = await setupDatabase(project);
  return async () => {
    await teardown();
    console.log(`\n${summaryLine()}`);
  };
}
