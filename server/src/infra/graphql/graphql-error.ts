import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { AppError, ErrorCode, HTTP_STATUS } from '../errors.js';

/**
 * An AppError raised before execution (validation rules, plugins) as the GraphQLError Apollo
 * expects, with its HTTP status (429 carries Retry-After) for Apollo to answer with.
 */
export function toGraphQLError(error: AppError): GraphQLError {
  const headers = new HeaderMap();
  if (error.code === ErrorCode.RATE_LIMITED) headers.set('retry-after', String(error.details?.retryAfterSeconds ?? 1));
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { http: { status: HTTP_STATUS[error.code], headers } },
  });
}
