import type { CombinedError } from '@urql/core';

/** What the API says went wrong: its message and codes (SPEC section 4). */
export interface ApiError {
  message: string;
  code?: string;
  field?: string;
  reason?: string;
}

export interface RawGraphQLError {
  message: string;
  extensions?: Record<string, unknown>;
}

const NETWORK_MESSAGE = 'Could not reach the server. Check your connection and try again.';

/** The first error of a response, as the server worded it. */
export function apiErrorOf(error: CombinedError | RawGraphQLError[] | null | undefined): ApiError | null {
  if (!error) return null;
  const list: RawGraphQLError[] = Array.isArray(error) ? error : error.graphQLErrors;
  const first = list[0];
  if (first) {
    const ext = first.extensions ?? {};
    return {
      message: first.message,
      code: typeof ext.code === 'string' ? ext.code : undefined,
      field: typeof ext.field === 'string' ? ext.field : undefined,
      reason: typeof ext.reason === 'string' ? ext.reason : undefined,
    };
  }
  if (!Array.isArray(error) && error.networkError) return { message: NETWORK_MESSAGE, code: 'NETWORK' };
  return { message: NETWORK_MESSAGE, code: 'NETWORK' };
}
