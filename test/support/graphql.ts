import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.js';

/**
 * `graphql()` for the tests' documents: result and variable types are inferred from
 * `schema/schema.graphql`, as in the admin (admin/app/graphql/tada.ts). graphql-env.d.ts is
 * git-ignored; the server's `pnpm typecheck` writes it first (`gql.tada generate output` with the
 * root tsconfig.json's plugin settings), so it can never be stale.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  disableMasking: true;
  scalars: {
    DateTime: string;
    // The schema does not type it (agentTools' tools and capabilityActions): a test that reads
    // inside names the shape it expects.
    JSON: unknown;
    // A file variable goes over the wire as null; GraphQLClient.upload maps the file part onto it.
    Upload: null;
  };
}>();

export type { ResultOf, TadaDocumentNode, VariablesOf } from 'gql.tada';

/** One tool of agentTools/trainAgent, in OpenAI's function-calling format (a JSON scalar in the schema). */
export interface FunctionTool {
  type: 'function';
  function: { name: string; description: string; strict?: boolean; parameters: Record<string, unknown> };
}
