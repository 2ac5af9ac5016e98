import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Every table. One module so drizzle-kit sees the whole schema; each domain's repository
 * is the only place that queries its tables. Every row carries account_id: all reads
 * filter by it (see docs/architecture.md, "Account isolation").
 */

export const roleEnum = pgEnum('role', ['ADMIN', 'BOT_MANAGER', 'AGENT', 'VIEWER', 'AI_SERVICE', 'OPS']);
export const contentModeEnum = pgEnum('content_mode', ['AI', 'MANUAL']);
export const sendStatusEnum = pgEnum('send_status', ['QUEUED', 'SENDING', 'SENT', 'FAILED']);
/** What invoke answered; a duplicate call gets this receipt back. REJECTED calls leave no row. */
export const receiptStatusEnum = pgEnum('receipt_status', ['QUEUED', 'FAILED']);
export const sendFileStatusEnum = pgEnum('send_file_status', ['PENDING', 'DELIVERED', 'FAILED']);

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const accounts = pgTable('accounts', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** The company's ChatService token, used by the worker to deliver files. */
  chatServiceToken: text('chat_service_token').notNull(),
  createdAt: createdAt(),
});

export const featureFlags = pgTable(
  'feature_flags',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    flag: text('flag').notNull(),
    enabled: boolean('enabled').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.flag] })],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    role: roleEnum('role').notNull(),
    /** sha256 of the token: tokens are 256-bit random, so a fast hash is enough. */
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    /** Null: never expires. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Set once by a revocation; the row stays so lists and audits can show it. */
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** To the minute: written when a process first sees the token in a while, not per request. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_tokens_token_hash_key').on(t.tokenHash), index('api_tokens_account_idx').on(t.accountId, t.createdAt)],
);

/**
 * rate-limiter-flexible's store (RateLimiterDrizzle, infra/http/request-budget.ts): the points
 * each budget key has used in its current window. Shared by every process on the database.
 */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull().default(0),
  expire: timestamp('expire', { withTimezone: true }),
});

export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** An agent counts as active for adoption metrics while this is true. */
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('agents_account_idx').on(t.accountId)],
);

export const actions = pgTable(
  'actions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    type: text('type').notNull().default('QONTAK_SEND_ATTACHMENT'),
    name: text('name').notNull(),
    trigger: text('trigger').notNull(),
    contentMode: contentModeEnum('content_mode').notNull(),
    contentMessage: text('content_message'),
    enabled: boolean('enabled').notNull().default(true),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Soft delete: sends keep pointing at the action they came from. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('actions_agent_idx').on(t.accountId, t.agentId)],
);

export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** Null while staged (uploaded, not yet pinned to an action). */
    actionId: uuid('action_id').references(() => actions.id, { onDelete: 'cascade' }),
    position: integer('position').notNull().default(0),
    fileName: text('file_name').notNull(),
    extension: text('extension').notNull(),
    mimeType: text('mime_type').notNull(),
    kind: text('kind').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    /** Content address of the stored bytes; several rows may share one blob. */
    sha256: text('sha256').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('attachments_action_idx').on(t.actionId, t.position),
    index('attachments_staged_idx').on(t.createdAt).where(sql`${t.actionId} is null`),
    index('attachments_sha_idx').on(t.sha256),
  ],
);

export const agentToolsets = pgTable(
  'agent_toolsets',
  {
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    trainedAt: timestamp('trained_at', { withTimezone: true }).notNull().defaultNow(),
    tools: jsonb('tools').notNull(),
    capabilityActions: jsonb('capability_actions').notNull(),
    /** The actions callable in this version: invoke refuses others with NOT_TRAINED. */
    actionIds: uuid('action_ids').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.version] })],
);

export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    accountId: uuid('account_id').notNull(),
    name: text('name').notNull(),
    properties: jsonb('properties').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('events_account_name_time_idx').on(t.accountId, t.name, t.createdAt)],
);

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
    /** 5xx | channel_unsupported | channel_limit_exceeded | file_missing | 4xx */
    reason: text('reason'),
    reasonDetail: text('reason_detail'),
    caption: text('caption'),
    idempotencyKey: text('idempotency_key'),
    receiptStatus: receiptStatusEnum('receipt_status').notNull().default('QUEUED'),
    /**
     * Delivery runs that ended in a retryable failure (5xx, timeout, connection error).
     * A run cut short by a dying worker does not count: MAX_SEND_ATTEMPTS is about ChatService.
     */
    failedAttempts: integer('failed_attempts').notNull().default(0),
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
    index('sends_unfinished_idx').on(t.updatedAt).where(sql`${t.status} in ('QUEUED', 'SENDING')`),
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
    status: sendFileStatusEnum('status').notNull().default('PENDING'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    messageId: text('message_id'),
  },
  (t) => [index('send_files_send_idx').on(t.sendId, t.position)],
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
  },
  (t) => [index('send_attempts_send_idx').on(t.sendId, t.startedAt)],
);

/**
 * Finished sends counted per time slot and dimension, kept by the `sends_rollup` trigger
 * (migration 0001) whenever a send becomes SENT or FAILED, so the dashboard never aggregates
 * raw sends. `reason` is '' for sent rows; `channel` is '' when it was never resolved.
 */
function rollupTable<N extends string, T extends string>(name: N, slot: T) {
  return pgTable(
    name,
    {
      accountId: uuid('account_id').notNull(),
      slot: timestamp(slot, { withTimezone: true }).notNull(),
      agentId: uuid('agent_id').notNull(),
      actionId: uuid('action_id').notNull(),
      channel: text('channel').notNull(),
      reason: text('reason').notNull(),
      sent: integer('sent').notNull().default(0),
      failed: integer('failed').notNull().default(0),
    },
    (t) => [
      primaryKey({ columns: [t.accountId, t.slot, t.agentId, t.actionId, t.channel, t.reason] }),
      index(`send_rollups_${slot}_idx`).on(t.slot),
    ],
  );
}

/** Per UTC hour: short ranges, hourly buckets, and the partial days at a range's edges. */
export const sendRollupsHourly = rollupTable('send_rollups_hourly', 'hour');
/** Per UTC day: whole days of long ranges, about 24 times fewer rows than hourly. */
export const sendRollupsDaily = rollupTable('send_rollups_daily', 'day');

/**
 * Finished sends not yet folded into the rollups: the trigger only appends here (no row is
 * shared between concurrent finishes, so delivery never queues on a rollup row lock), and the
 * `stats.fold` job moves them into the hourly and daily rollups every minute. Readers add the
 * few rows still here, so counts are exact at any moment.
 */
export const sendRollupDeltas = pgTable(
  'send_rollup_deltas',
  {
    accountId: uuid('account_id').notNull(),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    agentId: uuid('agent_id').notNull(),
    actionId: uuid('action_id').notNull(),
    channel: text('channel').notNull(),
    reason: text('reason').notNull(),
    sent: integer('sent').notNull(),
    failed: integer('failed').notNull(),
  },
  (t) => [index('send_rollup_deltas_account_hour_idx').on(t.accountId, t.hour)],
);

/** The current state of each alert rule per account. */
export const alertStates = pgTable(
  'alert_states',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    rule: text('rule').notNull(),
    firing: boolean('firing').notNull(),
    value: doublePrecision('value'),
    since: timestamp('since', { withTimezone: true }).notNull(),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.rule] })],
);

/** Every time a rule starts or stops firing; each is posted once to the alert webhook. */
export const alertEvents = pgTable(
  'alert_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    rule: text('rule').notNull(),
    kind: text('kind').notNull(),
    value: doublePrecision('value'),
    message: text('message').notNull(),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    deliveryAttempts: integer('delivery_attempts').notNull().default(0),
    lastDeliveryError: text('last_delivery_error'),
  },
  (t) => [index('alert_events_account_time_idx').on(t.accountId, t.createdAt)],
);
