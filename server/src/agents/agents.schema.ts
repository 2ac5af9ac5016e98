import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../infra/db/columns.js';
import { accounts } from '../accounts/accounts.schema.js';

/** The agents domain's tables: its repository is the only place that queries them (docs/architecture.md). */

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
