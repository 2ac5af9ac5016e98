import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `pnpm test:reliability`: faults (killed workers, a restarted Postgres, a failing or slow
 * ChatService), hostile input and the full access matrix. Every test bounds its own loops
 * with deadlines; the closing summary line counts faults injected, requests sent and items
 * lost (test/reliability/support/ledger.ts).
 */
// One project here: scenarios that need both file stores say so themselves.
const { projects: _projects, ...shared } = base.test!;

export default defineConfig({
  resolve: base.resolve,
  test: {
    ...shared,
    include: ['test/reliability/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    reporters: ['default', ['json', { outputFile: 'test-results/reliability.json' }]],
    globalSetup: ['test/reliability/support/global-setup.ts', 'test/support/s3-server.ts'],
    testTimeout: 180_000,
  },
});
