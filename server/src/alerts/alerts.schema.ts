import { boolean, doublePrecision, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../infra/db/columns.js';
import { accounts } from '../accounts/accounts.schema.js';

/** The alerts domain's tables: its repository is the only place that queries them (docs/architecture.md). */

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
    /** Set when someone acknowledges the firing alert; cleared when the rule starts or stops firing. */
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    /** Who acknowledged it, as people read it (accounts/viewer.ts, actorLabel). */
    acknowledgedBy: text('acknowledged_by'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.rule] })],
);

/**
 * Every time a rule starts (FIRED) or stops (CLEARED) firing, each posted once to the alert
 * webhook, and every acknowledgement (ACKNOWLEDGED, with its actor; not posted).
 */
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
    /** Who acknowledged (ACKNOWLEDGED events only). */
    actor: text('actor'),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    deliveryAttempts: integer('delivery_attempts').notNull().default(0),
    lastDeliveryError: text('last_delivery_error'),
  },
  (t) => [index('alert_events_account_time_idx').on(t.accountId, t.createdAt), index('alert_events_time_idx').on(t.createdAt, t.id)],
);
