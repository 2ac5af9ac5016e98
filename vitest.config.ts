import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(new URL('./server/package.json', import.meta.url));

/**
 * The tests whose subject is the file store: they run once more on `STORAGE=s3`, against an S3
 * protocol server the run starts (test/support/s3-server.ts). test/storage/ holds the tests that
 * only make sense on S3 (several machines, no shared disk). The content checks run inside the
 * store's upload stream, so their test is one of these.
 */
export const STORAGE_TESTS = [
  'test/builder/upload-attachment.test.ts',
  'test/builder/content-sniffing.test.ts',
  'test/builder/save-action.test.ts',
  'test/builder/actions-lifecycle.test.ts',
  'test/builder/staged-cleanup.test.ts',
  'test/builder/blob-races.test.ts',
  'test/sends.delivery.test.ts',
];

export default defineConfig({
  resolve: {
    // One graphql instance: Vite would load graphql's ESM build while type-graphql loads its CJS build.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default: a loaded CI machine renders and uploads slower.
    expect: { poll: { timeout: 10_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'local',
          include: ['test/**/*.test.ts'],
          // The reliability suite has its own command and config (vitest.reliability.config.ts).
          exclude: ['test/reliability/**', 'test/storage/**', '**/node_modules/**'],
          globalSetup: ['test/support/global-setup.ts', 'test/e2e/support/build-admin.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 's3',
          include: [...STORAGE_TESTS, 'test/storage/**/*.test.ts'],
          env: { TEST_STORAGE: 's3' },
          globalSetup: ['test/support/global-setup.ts', 'test/support/s3-server.ts'],
        },
      },
    ],
  },
});
