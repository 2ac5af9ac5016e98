import { ReceiptStatus, RejectReason, SendCancelReason, SendFailureReason } from './sends.model.js';

/** What an outcome means: words for the people reading the history, and for the AI service's model. */
interface OutcomeWords {
  /** Shown beside the code in the dashboard, the history and the CSV. */
  label: string;
  /** What happened, for the people who read the dashboard. */
  description: string;
  /** The receipt's `message`: one sentence a person or a model can act on. */
  message: string;
  /** The receipt's `retryable`: whether the same call, made again later, may succeed. */
  retryable: boolean;
}

/** Every outcome of invokeSendAttachment: a reason code where there is one, else the status. */
type Outcome = SendFailureReason | SendCancelReason | RejectReason | ReceiptStatus.QUEUED | ReceiptStatus.SENT;

/**
 * The one table of outcomes and their words. The codes stay the API's and the events'; the
 * receipt (`message`, `retryable`), the failure labels and `failureReasons` all read this.
 */
export const OUTCOMES: Readonly<Record<Outcome, OutcomeWords>> = {
  [ReceiptStatus.QUEUED]: {
    label: 'Queued',
    description: 'The send is recorded and its delivery to ChatService is under way.',
    message: 'The file is on its way to the customer but not delivered yet; do not send it again.',
    retryable: false,
  },
  [ReceiptStatus.SENT]: {
    label: 'Sent',
    description: 'Every file was delivered to the conversation.',
    message: "The file was delivered to the customer's conversation.",
    retryable: false,
  },
  [SendFailureReason.SERVER_ERROR]: {
    label: 'ChatService unavailable',
    description: 'ChatService answered with a server error (5xx), or did not answer, on all 3 attempts.',
    message: 'The chat service could not be reached, so the file was not delivered; try again in a moment, or answer the customer in text.',
    retryable: true,
  },
  [SendFailureReason.CLIENT_ERROR]: {
    label: 'Refused by ChatService',
    description: 'ChatService refused the file (a 4xx answer), so it was not tried again.',
    message: 'The chat service refused the file, so it was not delivered; answer the customer in text instead.',
    retryable: false,
  },
  [SendFailureReason.CHANNEL_UNSUPPORTED]: {
    label: 'Channel cannot carry files',
    description: "The conversation's channel does not support attachments (Instagram, for one).",
    message: "This conversation's channel cannot carry files; answer the customer in text instead.",
    retryable: false,
  },
  [SendFailureReason.CHANNEL_LIMIT_EXCEEDED]: {
    label: "Over the channel's limits",
    description: 'A pinned file is larger than the channel allows for its kind, or of a kind it cannot carry.',
    message: "The file is too large or of a kind this conversation's channel cannot carry; offer another channel or describe the document in text.",
    retryable: false,
  },
  [SendFailureReason.FILE_MISSING]: {
    label: 'Pinned file missing',
    description: 'A pinned file could not be read from storage.',
    message: 'The file is missing from storage, so nothing was sent; answer the customer in text.',
    retryable: false,
  },
  [RejectReason.FEATURE_DISABLED]: {
    label: 'Send Attachment off',
    description: "The account's Send Attachment flag is off; nothing was recorded.",
    message: 'Sending files is turned off for this account; do not offer files, answer the customer in text.',
    retryable: false,
  },
  [RejectReason.NOT_FOUND]: {
    label: 'Not found',
    description: 'The action or the conversation is unknown, or belongs to another account; nothing was recorded.',
    message: "This action or conversation was not found; re-read the agent's tools and answer the customer in text.",
    retryable: false,
  },
  [RejectReason.ACTION_DISABLED]: {
    label: 'Action disabled',
    description: 'The builder turned the action off; nothing was recorded.',
    message: "This action has been turned off; re-read the agent's tools and answer the customer in text.",
    retryable: false,
  },
  [RejectReason.NOT_TRAINED]: {
    label: 'Not trained',
    description: "The action is not in the agent's last training; nothing was recorded.",
    message: "This action is not in the agent's current tools; re-read the agent's tools and answer the customer in text.",
    retryable: false,
  },
  [SendFailureReason.CREDENTIALS]: {
    label: 'ChatService token refused',
    description: "ChatService refused the account's token (401/403), or the account has none set: an operator sets it with pnpm ops account:set-chat-service.",
    message: "The chat service refused this account's credentials, so the file was not delivered; answer the customer in text and tell the team.",
    retryable: false,
  },
  [SendFailureReason.UNCONFIRMED]: {
    label: 'Not confirmed by ChatService',
    description: 'ChatService answered success without a message id on the last of the 3 attempts, so it is not known whether the file arrived.',
    message: 'The chat service did not confirm the file was delivered; ask the customer whether it arrived before sending it again.',
    retryable: false,
  },
  [SendCancelReason.FLAG_OFF]: {
    label: 'Cancelled: Send Attachment turned off',
    description: "The account's Send Attachment flag was turned off before the send was delivered, so nothing was sent.",
    message: 'Sending files was turned off for this account before the file went out, so nothing was sent; answer the customer in text.',
    retryable: false,
  },
  [SendCancelReason.ACTION_DISABLED]: {
    label: 'Cancelled: action turned off',
    description: 'The builder turned the action off before the send was delivered, so nothing was sent.',
    message: "This action was turned off before the file went out, so nothing was sent; re-read the agent's tools and answer the customer in text.",
    retryable: false,
  },
  [SendCancelReason.ACTION_DELETED]: {
    label: 'Cancelled: action deleted',
    description: 'The builder deleted the action before the send was delivered, so nothing was sent.',
    message: "This action was deleted before the file went out, so nothing was sent; re-read the agent's tools and answer the customer in text.",
    retryable: false,
  },
};

/**
 * Every reason a send can end with (its `reason` column): the failures (as
 * ai_agent_attachment_send_failed carries them) and the cancellations, with their words.
 */
export const SEND_REASONS: Readonly<Record<SendFailureReason | SendCancelReason, OutcomeWords>> = Object.fromEntries(
  [...Object.values(SendFailureReason), ...Object.values(SendCancelReason)].map((reason) => [reason, OUTCOMES[reason]]),
) as Record<SendFailureReason | SendCancelReason, OutcomeWords>;

/** The label of a send's reason (failure or cancellation); a code this build does not know (older rows) reads as itself. */
export function sendReasonLabel(reason: string): string {
  return OUTCOMES[reason as SendFailureReason | SendCancelReason]?.label ?? reason;
}

/** A receipt's `message` and `retryable`, from its reason, or its status where it has none. */
export function receiptWords(receipt: { status: ReceiptStatus; reason: string | null }): Pick<OutcomeWords, 'message' | 'retryable'> {
  const words = OUTCOMES[(receipt.reason ?? receipt.status) as Outcome];
  // A reason this build does not know (none today): say so rather than guess.
  return words ?? { message: `The send ended ${receipt.status.toLowerCase()} (${receipt.reason}); answer the customer in text.`, retryable: false };
}
