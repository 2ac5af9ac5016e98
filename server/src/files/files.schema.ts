import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../infra/db/columns.js';
import { accounts } from '../accounts/accounts.schema.js';
import { actions } from '../actions/actions.schema.js';

/** The files domain's tables: its repository is the only place that queries them (docs/architecture.md). */

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
