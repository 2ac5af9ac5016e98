// ESLint over the server, the simulator, tests, benchmarks and examples (the admin has Nuxt's own tooling).
// typescript-eslint's recommended rules without type information: the type-checked preset
// would run the TypeScript compiler a second time inside lint, and `pnpm typecheck` does that.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['**/node_modules/', 'admin/', '.data/', 'test-results/', '**/dist/'] },
  {
    files: ['server/**/*.ts', 'simulator/**/*.ts', 'test/**/*.{ts,mjs}', 'bench/**/*.ts', 'examples/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // A leading underscore marks a parameter kept for its position (Express knows an error
      // handler by its four parameters).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
);
