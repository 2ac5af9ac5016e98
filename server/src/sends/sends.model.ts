/** The sends domain's codes, free of GraphQL decorators so services and the worker can import them. */

/** ChatService is tried this many times in all for one send (PRD: MAX_ATTEMPT = 3). */
export const MAX_SEND_ATTEMPTS = 3;

export enum SendStatus {
  QUEUED = 'QUEUED',
  SENDING = 'SENDING',
  SENT = 'SENT',
  FAILED = 'FAILED',
  /** Rolled back before delivery (SendCancelReason): nothing (more) was sent; neither sent nor failed. */
  CANCELLED = 'CANCELLED',
}

/** A send in these is final: the worker will not touch it again. */
export const FINAL_SEND_STATUSES = [SendStatus.SENT, SendStatus.FAILED, SendStatus.CANCELLED] as const;
/** A send in these still has a delivery to come. */
export const UNFINISHED_SEND_STATUSES = [SendStatus.QUEUED, SendStatus.SENDING] as const;
export type FinalSendStatus = (typeof FINAL_SEND_STATUSES)[number];

export enum ReceiptStatus {
  QUEUED = 'QUEUED',
  /** Only with waitMs: delivered before the wait ended. Never stored (a send row keeps QUEUED). */
  SENT = 'SENT',
  FAILED = 'FAILED',
  REJECTED = 'REJECTED',
}

export enum SendFileStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
  /** Never sent: its send was cancelled first. */
  CANCELLED = 'CANCELLED',
}

/** How a send file goes to the customer: the file itself, or a download link to it (a text message). */
export enum FileDelivery {
  AS_FILE = 'AS_FILE',
  /** The channel cannot carry the file and the action allows links: a signed, expiring download link. */
  AS_LINK = 'AS_LINK',
}

/** Why a send failed: the `reason` of the send row and of ai_agent_attachment_send_failed. */
export enum SendFailureReason {
  SERVER_ERROR = '5xx',
  CLIENT_ERROR = '4xx',
  CHANNEL_UNSUPPORTED = 'channel_unsupported',
  CHANNEL_LIMIT_EXCEEDED = 'channel_limit_exceeded',
  FILE_MISSING = 'file_missing',
  /**
   * ChatService refused the account's token (401/403), or the account has none: an operator's
   * problem, not the channel's, so it is counted apart (pnpm ops account:set-chat-service).
   */
  CREDENTIALS = 'credentials',
  /**
   * ChatService answered success but named no message on the last of the attempts (a 2xx
   * without a message id): delivery is unconfirmed, not refused, so it is not counted as a 5xx.
   */
  UNCONFIRMED = 'unconfirmed',
}

/**
 * Why a queued send was cancelled when a worker picked it up (SPEC section 5): the rollback
 * that OPS (flag off) or the builder (action disabled or deleted) made after the invoke.
 */
export enum SendCancelReason {
  FLAG_OFF = 'flag_off',
  ACTION_DISABLED = 'action_disabled',
  ACTION_DELETED = 'action_deleted',
}

/** Why invoke refused the call before anything was recorded. */
export enum RejectReason {
  FEATURE_DISABLED = 'FEATURE_DISABLED',
  NOT_FOUND = 'NOT_FOUND',
  ACTION_DISABLED = 'ACTION_DISABLED',
  NOT_TRAINED = 'NOT_TRAINED',
}

export interface SendReceipt {
  sendId: string | null;
  status: ReceiptStatus;
  reason: string | null;
  deduplicated: boolean;
}
