import { bigserial, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../infra/db/columns.js';

/** The events domain's tables: its repository is the only place that queries them (docs/architecture.md). */

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
