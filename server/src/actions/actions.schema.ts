import { boolean, index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, enumValues } from '../infra/db/columns.js';
import { ContentMode } from './actions.model.js';
import { accounts } from '../accounts/accounts.schema.js';
import { agents } from '../agents/agents.schema.js';

/** The actions domain's tables: its repository is the only place that queries them (docs/architecture.md). */

export const contentModeEnum = pgEnum('content_mode', enumValues(ContentMode));

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
    /**
     * When a pinned file breaks the channel's rules (channel_limit_exceeded), send the customer a
     * signed, expiring download link to it instead of failing the send (off by default).
     */
    linkFallback: boolean('link_fallback').notNull().default(false),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Soft delete: sends keep pointing at the action they came from. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('actions_agent_idx').on(t.accountId, t.agentId)],
);
