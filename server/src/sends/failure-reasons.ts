import { SendFailureReason } from './sends.model.js';

/**
 * What each failure reason means, for the people who read the dashboard, the history and
 * the CSV: the codes stay the API's and the events', these are the words shown beside them.
 */
export const FAILURE_REASONS: Readonly<Record<SendFailureReason, { label: string; description: string }>> = {
  [SendFailureReason.SERVER_ERROR]: {
    label: 'ChatService unavailable',
    description: 'ChatService answered with a server error (5xx), or did not answer, on all 3 attempts.',
  },
  [SendFailureReason.CLIENT_ERROR]: {
    label: 'Refused by ChatService',
    description: 'ChatService refused the file (a 4xx answer), so it was not tried again.',
  },
  [SendFailureReason.CHANNEL_UNSUPPORTED]: {
    label: 'Channel cannot carry files',
    description: "The conversation's channel does not support attachments (Instagram, for one).",
  },
  [SendFailureReason.CHANNEL_LIMIT_EXCEEDED]: {
    label: "Over the channel's limits",
    description: "A pinned file is larger than the channel allows for its kind, or of a kind it cannot carry.",
  },
  [SendFailureReason.FILE_MISSING]: {
    label: 'Pinned file missing',
    description: 'A pinned file could not be read from storage.',
  },
  [SendFailureReason.CREDENTIALS]: {
    label: 'ChatService token refused',
    description: "ChatService refused the account's token (401/403), or the account has none set: an operator sets it with pnpm ops account:set-chat-service.",
  },
};

/** The label of a reason; a code this build does not know (older rows) reads as itself. */
export function failureReasonLabel(reason: string): string {
  return FAILURE_REASONS[reason as SendFailureReason]?.label ?? reason;
}
