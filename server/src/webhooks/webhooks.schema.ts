import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { accounts } from '../accounts/accounts.schema.js';
import { createdAt, enumValues } from '../infra/db/columns.js';
import { WebhookAttemptError, WebhookDeliveryStatus } from './webhooks.model.js';

/**
 * The webhooks domain's tables: its repository is the only place that queries them. The
 * fan-out trigger on `events` (migrations/0007_webhooks.sql) writes `webhook_deliveries` rows
 * in the transaction of the event (docs/webhooks.md).
 */

export const webhookDeliveryStatusEnum = pgEnum('webhook_delivery_status', enumValues(WebhookDeliveryStatus));
export const webhookAttemptErrorEnum = pgEnum('webhook_attempt_error', enumValues(WebhookAttemptError));

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    /** Event names (events/events.ts WEBHOOK_EVENTS) this endpoint receives. */
    events: text('events').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** `whsec_…`, sealed with SECRETS_KEY (infra/secrets) and bound to the account and endpoint. */
    secretSealed: text('secret_sealed').notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // The trigger's lookup on every event insert: an account without endpoints costs one probe.
  (t) => [index('webhook_endpoints_account_idx').on(t.accountId)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    /** `webhook-id` is `msg_` and this id without dashes: one per event and endpoint. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** Order of the deliveries list (pages by it). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    accountId: uuid('account_id').notNull(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    eventName: text('event_name').notNull(),
    status: webhookDeliveryStatusEnum('status').notNull().default(WebhookDeliveryStatus.PENDING),
    /** Attempts started. */
    attempts: integer('attempts').notNull().default(0),
    /** An attempt was claimed and has not been recorded yet (its worker may have died). */
    inFlight: boolean('in_flight').notNull().default(false),
    lastStatus: integer('last_status'),
    lastErrorCode: webhookAttemptErrorEnum('last_error_code'),
    lastError: text('last_error'),
    /** The first WEBHOOK_LIMITS.maxResponseExcerptBytes bytes of the last answer. */
    responseExcerpt: text('response_excerpt'),
    /** When the next attempt is due; null once delivered or failed. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).defaultNow(),
    /** When the relay put the first attempt's job on the queue; null until then. */
    enqueuedAt: timestamp('enqueued_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_endpoint_event_idx').on(t.endpointId, t.eventId),
    index('webhook_deliveries_list_idx').on(t.accountId, t.endpointId, t.seq),
    index('webhook_deliveries_unqueued_idx').on(t.seq).where(sql`enqueued_at is null`),
    // The retention cleanup's scan: the oldest finished rows first (webhooks.cleanup).
    index('webhook_deliveries_finished_idx').on(t.createdAt).where(sql`status <> 'PENDING'`),
  ],
);

/** One row per attempt, append only: what each try got. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    accountId: uuid('account_id').notNull(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    httpStatus: integer('http_status'),
    errorCode: webhookAttemptErrorEnum('error_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.attempt)],
);
