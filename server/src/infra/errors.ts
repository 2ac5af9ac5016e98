/**
 * The one error type services throw for an expected refusal. `code` is the GraphQL
 * `extensions.code`; BAD_USER_INPUT also carries the input `field` and a machine `reason` the
 * admin turns into a message. This module is the one mapping of these errors to what a client
 * sees: the GraphQL error (`toGraphQLError`, used by the formatter and by every HTTP answer
 * outside Apollo) and the HTTP status (`HTTP_STATUS`).
 */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  FEATURE_DISABLED = 'FEATURE_DISABLED',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
}

export enum InputReason {
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  EMPTY_FILE = 'EMPTY_FILE',
  UNSUPPORTED_TYPE = 'UNSUPPORTED_TYPE',
  TYPE_MISMATCH = 'TYPE_MISMATCH',
  TOO_MANY_FILES = 'TOO_MANY_FILES',
  ATTACHMENT_REQUIRED = 'ATTACHMENT_REQUIRED',
  TRIGGER_REQUIRED = 'TRIGGER_REQUIRED',
  CAPTION_REQUIRED = 'CAPTION_REQUIRED',
  NAME_REQUIRED = 'NAME_REQUIRED',
  TOO_LONG = 'TOO_LONG',
  INVALID_FILE_NAME = 'INVALID_FILE_NAME',
  UNKNOWN_ATTACHMENT = 'UNKNOWN_ATTACHMENT',
  INVALID_VALUE = 'INVALID_VALUE',
  UPLOAD_INCOMPLETE = 'UPLOAD_INCOMPLETE',
  MALFORMED_REQUEST = 'MALFORMED_REQUEST',
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly reason?: InputReason,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static badInput(field: string, reason: InputReason, message: string): AppError {
    return new AppError(ErrorCode.BAD_USER_INPUT, message, field, reason);
  }
  static notFound(what: string): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `${what} was not found.`);
  }
  static forbidden(message = 'Your role cannot do this.'): AppError {
    return new AppError(ErrorCode.FORBIDDEN, message);
  }
  static unauthenticated(message = 'Sign in with a valid API token.'): AppError {
    return new AppError(ErrorCode.UNAUTHENTICATED, message);
  }
  static featureDisabled(): AppError {
    return new AppError(
      ErrorCode.FEATURE_DISABLED,
      'Send Attachment is not enabled for this account (feature flag ai_agent_send_attachment_action is off).',
    );
  }
}

/** The HTTP status of each code, where an answer outside GraphQL (the CSV export, multipart guards) carries one. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.FEATURE_DISABLED]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.BAD_USER_INPUT]: 400,
};

/** An AppError as the GraphQL error a client receives (no stack, no cause). */
export function toGraphQLError(error: AppError) {
  return {
    message: error.message,
    extensions: {
      code: error.code,
      ...(error.field ? { field: error.field } : {}),
      ...(error.reason ? { reason: error.reason } : {}),
    },
  };
}

/** The JSON body of a GraphQL error answered outside Apollo (HTTP middleware and routes). */
export function errorBody(error: AppError) {
  return { errors: [toGraphQLError(error)] };
}

/** What a client sees for a failure we did not expect: nothing of it but a request id to quote. */
export const INTERNAL_ERROR = {
  message: 'Something went wrong on our side. It has been logged; please try again.',
  extensions: { code: 'INTERNAL_SERVER_ERROR' },
} as const;
