import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { FileDelivery, ReceiptStatus, SendFileStatus, SendStatus } from './sends.model.js';

export { FileDelivery, ReceiptStatus, SendFileStatus, SendStatus };

registerEnumType(SendStatus, { name: 'SendStatus' });
registerEnumType(ReceiptStatus, {
  name: 'ReceiptStatus',
  description:
    'QUEUED: delivery will follow (or, with waitMs, had not ended when the wait did). SENT: with waitMs, delivered before the wait ended. FAILED: a pre-send guard or, with waitMs, the delivery failed or was cancelled by a rollback (see reason). REJECTED: not callable, nothing recorded.',
});
registerEnumType(SendFileStatus, { name: 'SendFileStatus' });
registerEnumType(FileDelivery, {
  name: 'FileDelivery',
  description: 'AS_FILE: the file itself. AS_LINK: the channel could not carry it, so the customer got a signed, expiring download link (the action\'s link fallback).',
});

@ObjectType({ description: 'What invokeSendAttachment answers: the AI service continues the conversation with it.' })
export class SendReceipt {
  @Field(() => ID, { nullable: true, description: 'Null when REJECTED.' })
  sendId!: string | null;

  @Field(() => ReceiptStatus)
  status!: ReceiptStatus;

  @Field(() => String, {
    nullable: true,
    description: 'REJECTED: FEATURE_DISABLED | NOT_FOUND | ACTION_DISABLED | NOT_TRAINED. FAILED: channel_unsupported | channel_limit_exceeded | file_missing | credentials | 5xx | 4xx.',
  })
  reason!: string | null;

  @Field(() => Boolean, { description: 'True when this repeats an earlier call (same idempotencyKey, or same action and conversation within the duplicate window).' })
  deduplicated!: boolean;

  // message, retryable: resolved by SendReceiptResolver from the one table of outcomes.
}

@ObjectType({ description: 'One pinned file of a send, copied at invoke time, with its delivery state.' })
export class SendFile {
  @Field(() => ID)
  id!: string;

  @Field(() => Int)
  position!: number;

  @Field(() => ID, { nullable: true })
  attachmentId!: string | null;

  @Field(() => String)
  fileName!: string;

  @Field(() => String)
  mimeType!: string;

  @Field(() => String)
  kind!: string;

  @Field(() => Float)
  sizeBytes!: number;

  @Field(() => String)
  sha256!: string;

  @Field(() => SendFileStatus)
  status!: SendFileStatus;

  @Field(() => FileDelivery)
  delivery!: FileDelivery;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => String, { nullable: true, description: "ChatService's message id." })
  messageId!: string | null;
}

@ObjectType({ description: 'One HTTP call to ChatService for one file of a send.' })
export class SendAttempt {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true })
  sendFileId!: string | null;

  @Field(() => Int, { description: 'Delivery attempt of the send (1..3) this call belonged to.' })
  attempt!: number;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => Int, { nullable: true, description: 'Null for a timeout or connection error.' })
  httpStatus!: number | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => String, { nullable: true, description: "The start of ChatService's answer (about 300 characters); null when none came." })
  responseExcerpt!: string | null;
}

@ObjectType({ description: 'One call of the Send Attachment action and its delivery.' })
export class Send {
  @Field(() => ID)
  id!: string;

  @Field(() => SendStatus)
  status!: SendStatus;

  @Field(() => ReceiptStatus, { description: 'What invoke answered for this send.' })
  receiptStatus!: ReceiptStatus;

  @Field(() => String, { nullable: true, description: 'FAILED: why (5xx, 4xx, credentials, channel_unsupported, channel_limit_exceeded, file_missing, unconfirmed). CANCELLED: the rollback that stopped it (flag_off, action_disabled, action_deleted).' })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: 'Which file and which rule, or the last error.' })
  reasonDetail!: string | null;

  @Field(() => String, { nullable: true, description: 'Null when the room could not be looked up.' })
  channel!: string | null;

  @Field(() => String)
  conversationId!: string;

  @Field(() => String, {
    nullable: true,
    description: "ChatService's page of the conversation, from the deployment's CHAT_SERVICE_CONVERSATION_URL. Null when that is unset, or when it names the channel and this send has none.",
  })
  conversationUrl!: string | null;

  @Field(() => ID)
  actionId!: string;

  @Field(() => String, { nullable: true })
  actionName!: string | null;

  @Field(() => ID)
  agentId!: string;

  @Field(() => String, { nullable: true })
  caption!: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey!: string | null;

  @Field(() => Int, { description: 'Delivery attempts that ended in a retryable failure.' })
  failedAttempts!: number;

  @Field(() => Boolean, { description: "A builder's \"Send a test\" to one of the account's test conversations: not counted in the stats or alerts." })
  isTest!: boolean;

  @Field(() => [SendFile])
  files!: SendFile[];

  @Field(() => [SendAttempt])
  attempts!: SendAttempt[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;
}

@ObjectType()
export class SendEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Send)
  node!: Send;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType({ description: 'Send history, newest first.' })
export class SendConnection {
  @Field(() => [SendEdge])
  edges!: SendEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  // totalCount: resolved by SendConnectionResolver from countAll, only when selected.
  countAll!: () => Promise<number>;
}

@ObjectType({ description: "One of the account's test conversations: where \"Send a test\" may send an action's files." })
export class TestConversation {
  @Field(() => String)
  conversationId!: string;

  @Field(() => String, { description: 'The name builders pick it by.' })
  label!: string;

  @Field(() => String, { nullable: true, description: 'The channel ChatService named when it was added.' })
  channel!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}
