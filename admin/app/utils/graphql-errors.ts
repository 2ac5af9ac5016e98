import type { CombinedError } from '@urql/core';

/** What the API says went wrong: its message and codes (SPEC section 4). */
export interface ApiError {
  message: string;
  code?: string;
  field?: string;
  reason?: string;
  /** Every refused field of the input (a save lists them all), the first being this error's own. */
  fieldErrors?: { field: string; reason?: string; message: string }[];
}

export interface RawGraphQLError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** The one message the admin words itself: when no answer came back at all. */
export const NETWORK_ERROR: RawGraphQLError = {
  message: 'Could not reach the server. Check your connection and try again.',
  extensions: { code: 'NETWORK' },
};

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
      fieldErrors: Array.isArray(ext.fieldErrors) ? ext.fieldErrors.filter(isFieldError) : undefined,
    };
  }
  return { message: NETWORK_ERROR.message, code: 'NETWORK' };
}

function isFieldError(value: unknown): value is { field: string; reason?: string; message: string } {
  const v = value as { field?: unknown; message?: unknown } | null;
  return typeof v?.field === 'string' && typeof v.message === 'string';
}
