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
  /** An operation over the alias, depth, directive, token or cost limit; refused before it runs. */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  /** The account's request budget is spent for now; `retryAfterSeconds` says when to retry. */
  RATE_LIMITED = 'RATE_LIMITED',
}

/** The HTTP status of a refusal answered outside Apollo's own mapping (middleware, plugins). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.FEATURE_DISABLED]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.QUERY_TOO_COMPLEX]: 400,
  [ErrorCode.RATE_LIMITED]: 429,
};

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
  /** A NUL character or a lone UTF-16 surrogate: text no database column or URL can hold. */
  INVALID_CHARACTERS = 'INVALID_CHARACTERS',
  /** A list argument longer than MAX_LIST_ITEMS (infra/graphql/input-guard.ts). */
  TOO_MANY_VALUES = 'TOO_MANY_VALUES',
  /** The account's staged (not yet pinned) uploads would exceed STAGED_UPLOAD_QUOTA_MB. */
  QUOTA_EXCEEDED = 'QUOTA_EXCEEDED',
  /** Training would give the agent more tools than MAX_TOOLS_PER_AGENT. */
  TOO_MANY_TOOLS = 'TOO_MANY_TOOLS',
  /** The account has WEBHOOK_LIMITS.maxEndpointsPerAccount endpoints already. */
  TOO_MANY_ENDPOINTS = 'TOO_MANY_ENDPOINTS',
}

/** Why a CONFLICT: the `extensions.reason` of a refusal that a reload or a new key resolves. */
export enum ConflictReason {
  /** The action was saved by someone else since the version the caller edited. */
  STALE_VERSION = 'STALE_VERSION',
  /** An idempotency key reused for a different request; `extensions.sendId` names the first send. */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
}

/** One refused field, as listed in `extensions.fieldErrors` so a form can mark them all at once. */
export interface FieldError {
  field: string;
  reason: InputReason;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly reason?: InputReason | ConflictReason,
    /** More `extensions` for the client: the limit an operation hit, when to retry. */
    readonly details?: Readonly<Record<string, string | number>>,
    /** Every refused field of one input (`extensions.fieldErrors`), the first also as `field`/`reason`. */
    readonly fieldErrors?: readonly FieldError[],
  ) {
    super(message);
    this.name = 'AppError';
  }

  static badInput(field: string, reason: InputReason, message: string, fieldErrors?: readonly FieldError[]): AppError {
    return new AppError(ErrorCode.BAD_USER_INPUT, message, field, reason, undefined, fieldErrors);
  }
  /** `what`: "action", "agent"…; ids stay out of the message (a builder cannot use them). */
  static notFound(what: 'account' | 'agent' | 'action' | 'send' | 'token' | 'webhook endpoint' | 'webhook delivery' | 'alert' | 'test conversation' | 'file'): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `This ${what} was not found. It may have been deleted, or belong to another account.`);
  }
  static forbidden(message = 'Your role cannot do this.'): AppError {
    return new AppError(ErrorCode.FORBIDDEN, message);
  }
  static unauthenticated(message = 'Sign in with a valid API token.'): AppError {
    return new AppError(ErrorCode.UNAUTHENTICATED, message);
  }
  static queryTooComplex(limit: string, max: number, found: number | null, message: string): AppError {
    return new AppError(ErrorCode.QUERY_TOO_COMPLEX, message, undefined, undefined, {
      limit,
      max,
      ...(found === null ? {} : { found }),
    });
  }
  static rateLimited(retryAfterSeconds: number, budget: string): AppError {
    return new AppError(
      ErrorCode.RATE_LIMITED,
      `Too many requests for this account's ${budget} budget; retry in ${retryAfterSeconds} s.`,
      undefined,
      undefined,
      { retryAfterSeconds, budget },
    );
  }
  static featureDisabled(): AppError {
    return new AppError(
      ErrorCode.FEATURE_DISABLED,
      'Send Attachment is turned off for this account, so this cannot be done now. Configured actions and their files are kept; it can be turned back on by operations (OPS).',
    );
  }
}

/** `extensions` of an AppError as the client sees it, inside GraphQL or outside. */
export function extensionsOf(error: AppError) {
  return {
    code: error.code,
    ...(error.field ? { field: error.field } : {}),
    ...(error.reason ? { reason: error.reason } : {}),
    ...error.details,
    ...(error.fieldErrors ? { fieldErrors: error.fieldErrors.map(({ field, reason, message }) => ({ field, reason, message })) } : {}),
  };
}

/** An AppError as the GraphQL error a client receives (no stack, no cause). */
export function toGraphQLError(error: AppError) {
  return { message: error.message, extensions: extensionsOf(error) };
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
