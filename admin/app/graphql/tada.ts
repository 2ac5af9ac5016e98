import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env';

/**
 * `graphql()` for every document in the admin: result and variable types are inferred from
 * `schema/schema.graphql` (introspected into graphql-env.d.ts by `pnpm codegen`), so no
 * operation type is ever written by hand.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  // Fragments describe what a component reads; unmasked, so parents can pass data straight down.
  disableMasking: true;
  scalars: { DateTime: string; JSON: unknown; Upload: File };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
export { readFragment } from 'gql.tada';
