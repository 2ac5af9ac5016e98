import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, INTERNAL_ERROR, toGraphQLError } from '../errors.js';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../log/logger.js';
import type { GraphQLContext } from './context.js';

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

function isExpected(original: unknown, code: unknown): boolean {
  return original instanceof AppError || (typeof code === 'string' && CLIENT_CODES.has(code));
}

/**
 * The one place errors become GraphQL errors: AppError keeps its code, field and reason;
 * client mistakes keep Apollo's code; anything else is masked (and logged by
 * `logUnexpectedErrors` with the request id). No stack trace ever leaves the server.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return { ...toGraphQLError(original), path: formatted.path };
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  return { ...INTERNAL_ERROR, path: formatted.path };
}

/** Logs every error that formatError masks, with the request id the client can quote. */
export function logUnexpectedErrors(log: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (isExpected(original, error.extensions?.code)) continue;
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
