import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printAppSchema, SCHEMA_FILE } from '../server/src/infra/graphql/print-schema.js';

describe('schema/schema.graphql', () => {
  it('matches the SDL printed from the resolvers (run `pnpm schema:print` when this fails)', async () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(await printAppSchema());
  });
});
