import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(new URL('./server/package.json', import.meta.url));

export default defineConfig({
  resolve: {
    // One graphql instance: Vite would load graphql's ESM build while type-graphql loads its CJS build.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The reliability suite has its own command and config (vitest.reliability.config.ts).
    exclude: ['test/reliability/**', '**/node_modules/**'],
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    globalSetup: ['test/support/global-setup.ts', 'test/e2e/support/build-admin.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
