import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { accounts } from '../accounts/accounts.schema.js';
import { createdAt, enumValues } from '../infra/db/columns.js';
import { FileDelivery, ReceiptStatus, SendFileStatus, SendStatus } from './sends.model.js';

/** The sends domain's tables: its repository is the only place that queries them (docs/architecture.md). */

export const sendStatusEnum = pgEnum('send_status', enumValues(SendStatus));

/** What invoke answered; a duplicate call gets this receipt back. REJECTED calls leave no row. */
export const receiptStatusEnum = pgEnum('receipt_status', [ReceiptStatus.QUEUED, ReceiptStatus.FAILED]);

export const sendFileStatusEnum = pgEnum('send_file_status', enumValues(SendFileStatus));

export const fileDeliveryEnum = pgEnum('file_delivery', enumValues(FileDelivery));


export const sends = pgTable(
  'sends',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id').notNull(),
    actionId: uuid('action_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    channel: text('channel'),
    status: sendStatusEnum('status').notNull(),
    /** FAILED: SendFailureReason (5xx | 4xx | credentials | unconfirmed | …); CANCELLED: SendCancelReason (flag_off | …) */
    reason: text('reason'),
    reasonDetail: text('reason_detail'),
    caption: text('caption'),
    idempotencyKey: text('idempotency_key'),
    /**
     * With a key: what the call asked for (sha256 of action, conversation and caption), so a
     * reuse of the key for another request is refused. Null on rows older than the column.
     */
    requestFingerprint: text('request_fingerprint'),
    receiptStatus: receiptStatusEnum('receipt_status').notNull().default(ReceiptStatus.QUEUED),
    /**
     * Delivery runs that ended in a retryable failure (5xx, timeout, connection error).
     * A run cut short by a dying worker does not count: MAX_SEND_ATTEMPTS is about ChatService.
     */
    failedAttempts: integer('failed_attempts').notNull().default(0),
    /** The action's link fallback when invoked: a file ChatService refuses may still go as a link. */
    linkFallback: boolean('link_fallback').notNull().default(false),
    /** A builder's "Send a test" to one of the account's test conversations: in the history, not in the stats or alerts. */
    isTest: boolean('is_test').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('sends_idempotency_key').on(t.accountId, t.idempotencyKey).where(sql`${t.idempotencyKey} is not null`),
    index('sends_account_time_idx').on(t.accountId, t.createdAt),
    index('sends_action_idx').on(t.actionId, t.createdAt),
    index('sends_conversation_idx').on(t.accountId, t.actionId, t.conversationId, t.createdAt),
    // Alert windows (15 min, 1 h) read finished sends by completion time, across accounts.
    index('sends_completed_idx').on(t.completedAt).where(sql`${t.completedAt} is not null`),
    // The sweeper's minute-by-minute look at unfinished sends, without scanning finished ones.
    index('sends_unfinished_idx').on(t.updatedAt).where(sql`${t.status} in ('QUEUED', 'SENDING')` /* UNFINISHED_SEND_STATUSES; kept literal: an index predicate takes no parameters */),
  ],
);

export const sendFiles = pgTable(
  'send_files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sendId: uuid('send_id')
      .notNull()
      .references(() => sends.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    attachmentId: uuid('attachment_id'),
    fileName: text('file_name').notNull(),
    mimeType: text('mime_type').notNull(),
    kind: text('kind').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    status: sendFileStatusEnum('status').notNull().default(SendFileStatus.PENDING),
    /** AS_LINK: decided by the guard at invoke, or at delivery when ChatService refused the file. */
    delivery: fileDeliveryEnum('delivery').notNull().default(FileDelivery.AS_FILE),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    messageId: text('message_id'),
  },
  (t) => [
    index('send_files_send_idx').on(t.sendId, t.position),
    // The dashboard's count of files sent as links reads only these (few) rows.
    index('send_files_as_link_idx').on(t.sendId).where(sql`${t.delivery} = 'AS_LINK'` /* FileDelivery.AS_LINK; literal: no parameters in an index predicate */),
  ],
);

export const sendAttempts = pgTable(
  'send_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sendId: uuid('send_id')
      .notNull()
      .references(() => sends.id, { onDelete: 'cascade' }),
    sendFileId: uuid('send_file_id'),
    attempt: integer('attempt').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    httpStatus: integer('http_status'),
    error: text('error'),
    /** The start of ChatService's answer (chat-service.adapter.ts EXCERPT_CHARS), whatever it was. */
    responseExcerpt: text('response_excerpt'),
  },
  (t) => [index('send_attempts_send_idx').on(t.sendId, t.startedAt)],
);

/**
 * Conversations an account's builders may send a test to ("Send a test" in the drawer): rooms
 * of the account's own ChatService kept for testing, named by an admin. In the demo, the
 * simulator's rooms.
 */
export const testConversations = pgTable(
  'test_conversations',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    conversationId: text('conversation_id').notNull(),
    label: text('label').notNull(),
    /** The channel ChatService named when the conversation was added. */
    channel: text('channel'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.conversationId] })],
);
