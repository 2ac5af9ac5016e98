import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { GraphqlLimits } from '../config/config.js';
import { AppError } from '../errors.js';
import { COST_PER_POINT, type RequestBudget } from '../http/request-budget.js';
import type { GraphQLContext } from './context.js';
import { toGraphQLError } from './graphql-error.js';
import { costTooHigh, operationCost } from './operation-limits.js';

/** Does the document read the schema (`__schema`, `__type`)? `__typename` is harmless. */
export function readsSchema(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** graphql-js's "Did you mean …?" hints name schema fields to whoever guesses. */
function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}

/**
 * What runs once an operation is parsed, validated (token, alias, depth and directive limits:
 * operation-limits.ts) and resolved, before any resolver, in this order:
 * 1. schema privacy: introspection only for signed-in callers, and only while
 *    GRAPHQL_INTROSPECTION is on (off by default in production); field suggestions are removed
 *    from error messages for everyone else;
 * 2. the cost limit (needs the variables, so it cannot be a validation rule);
 * 3. the cost charged to the account's request budget, beyond the point its request paid.
 */
export function operationGuard(options: {
  schema: GraphQLSchema;
  limits: Readonly<GraphqlLimits>;
  introspection: boolean;
  budget: RequestBudget;
}): ApolloServerPlugin<GraphQLContext> {
  const { schema, limits, budget } = options;
  return {
    async requestDidStart({ contextValue }) {
      const schemaVisible = options.introspection && contextValue.viewer !== null;
      return {
        async didResolveOperation({ document, operationName, request, contextValue: { viewer } }) {
          if (!schemaVisible && readsSchema(document)) {
            throw toGraphQLError(
              viewer
                ? AppError.forbidden('Reading the schema is turned off on this server (GRAPHQL_INTROSPECTION=off).')
                : AppError.unauthenticated('Sign in with a valid API token to read the schema.'),
            );
          }
          try {
            const cost = operationCost(schema, document, operationName, request.variables);
            if (cost !== null && cost > limits.maxCost) throw costTooHigh(cost, limits.maxCost);
            if (viewer && cost !== null) await budget.charge(viewer, Math.floor(cost / COST_PER_POINT));
          } catch (error) {
            throw error instanceof AppError ? toGraphQLError(error) : error;
          }
        },
        async didEncounterErrors({ errors }) {
          if (schemaVisible) return;
          for (const error of errors) error.message = withoutSuggestions(error.message);
        },
      };
    },
  };
}
