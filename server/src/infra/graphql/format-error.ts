import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, INTERNAL_ERROR, toGraphQLError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { GraphQLContext } from './context.js';
import { tokenLimitError } from './operation-limits.js';

/** Codes Apollo and graphql-js give a client's own mistakes; they pass through as they are. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * The AppError behind a GraphQL error: thrown by a resolver (Apollo wraps it with a path), or
 * raised by a validation rule or plugin through `toGraphQLError` (Apollo wraps that once more).
 */
function appErrorOf(error: unknown): AppError | undefined {
  let current: unknown = unwrapResolverError(error);
  for (let depth = 0; depth < 3 && current; depth++) {
    if (current instanceof AppError) return current;
    current = current instanceof GraphQLError ? current.originalError : undefined;
  }
  return undefined;
}

function isExpected(error: unknown, code: unknown): boolean {
  return appErrorOf(error) !== undefined || (typeof code === 'string' && CLIENT_CODES.has(code));
}


/**
 * The one place errors become GraphQL errors: AppError keeps its code, field and reason;
 * client mistakes keep Apollo's code; anything else is masked (and logged by
 * `logUnexpectedErrors` with the request id). No stack trace ever leaves the server.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  {
    const original = appErrorOf(error);
    if (original) return { ...toGraphQLError(original), path: formatted.path };
    const code = formatted.extensions?.code;
    // graphql-js stops parsing at the token limit (operation-limits.ts) with a syntax error.
    const tokens = code === 'GRAPHQL_PARSE_FAILED' ? tokenLimitError(formatted.message) : undefined;
    if (tokens) return toGraphQLError(tokens);
    if (typeof code === 'string' && CLIENT_CODES.has(code)) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
    }
    return { ...INTERNAL_ERROR, path: formatted.path };
  };
}

/** Logs every error that formatError masks, with the request id the client can quote. */
export function logUnexpectedErrors(log: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (isExpected(error, error.extensions?.code)) continue;
            const original = unwrapResolverError(error);
            log.error('graphql.internal_error', {
              requestId: contextValue.requestId,
              path: error.path,
              error: original instanceof Error ? original : String(original),
            });
          }
        },
      };
    },
  };
}
