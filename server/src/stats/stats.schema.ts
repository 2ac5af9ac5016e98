import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** The stats domain's tables: its repository is the only place that queries them (docs/architecture.md). */

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
