/**
 * The one error type services throw for an expected refusal. `code` becomes the GraphQL
 * `extensions.code` (the mapping lives in infra/graphql/format-error.ts); BAD_USER_INPUT also
 * carries the input `field` and a machine `reason` the admin turns into a message.
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
  /** `what`: "action", "agent"…; ids stay out of the message (a builder cannot use them). */
  static notFound(what: 'account' | 'agent' | 'action' | 'send'): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `This ${what} was not found. It may have been deleted, or belong to another account.`);
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
      'Send Attachment is turned off for this account, so this cannot be done now. Configured actions and their files are kept; it can be turned back on by operations (OPS).',
    );
  }
}

/** The JSON body of a GraphQL error answered outside Apollo (HTTP middleware). */
export function errorBody(error: AppError) {
  return {
    errors: [
      {
        message: error.message,
        extensions: {
          code: error.code,
          ...(error.field ? { field: error.field } : {}),
          ...(error.reason ? { reason: error.reason } : {}),
        },
      },
    ],
  };
}
