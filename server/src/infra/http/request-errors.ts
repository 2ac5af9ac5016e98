import { MAX_FILES_PER_ACTION } from '../../files/limits.js';
import { AppError, InputReason } from '../errors.js';

/** Where a request failed before GraphQL ran: the JSON body parser or the multipart parser. */
export type RequestStage = 'json' | 'multipart';

/**
 * Maps the body parsers' errors (they carry an HTTP status, and body-parser a documented
 * `type`) to the AppError a client gets; undefined for a failure that is ours (a 5xx).
 *
 * graphql-upload answers 413 at the request level only for too many file parts or an
 * over-long `operations`/`map` field (an over-large file fails inside the resolver instead),
 * and it tells the two apart only in its message: the answer names both limits.
 */
export function fromRequestError(
  error: { status?: unknown; type?: unknown; message?: unknown },
  stage: RequestStage,
): { error: AppError; status: number } | undefined {
  const status = typeof error.status === 'number' ? error.status : 500;
  if (status >= 500) return undefined;
  // 499 is "client closed request": nobody reads the answer, but it must still be a 4xx.
  return { error: refusal(error, status, stage), status: status === 499 ? 400 : status };
}

function refusal(error: { type?: unknown; message?: unknown }, status: number, stage: RequestStage): AppError {
  if (status === 413 && stage === 'multipart') {
    return AppError.badInput(
      'files',
      InputReason.TOO_MANY_FILES,
      `At most ${MAX_FILES_PER_ACTION} files can be sent in one request (and at most 1 MB of GraphQL operations).`,
    );
  }
  if (status === 413 || error.type === 'entity.too.large') {
    return AppError.badInput('body', InputReason.TOO_LONG, 'The request body is too large.');
  }
  return AppError.badInput('body', InputReason.MALFORMED_REQUEST, `The request could not be read: ${String(error.message ?? '')}`);
}
