import { boolean, index, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, enumValues } from '../infra/db/columns.js';
import { Role } from './roles.js';

/** The accounts domain's tables: its repository is the only place that queries them (docs/architecture.md). */

export const roleEnum = pgEnum('role', enumValues(Role));

export const accounts = pgTable('accounts', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /**
   * The company's ChatService token, sealed with SECRETS_KEY (infra/secrets): never stored,
   * printed or logged in clear. Null until an operator sets it.
   */
  chatServiceTokenSealed: text('chat_service_token_sealed'),
  /** The ChatService organization id the account's rooms carry, where the deployment has one. */
  chatServiceOrg: text('chat_service_org'),
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

/**
 * Every change of a feature flag: who (a token, or the ops CLI), when, and from which value.
 * Written in the same transaction as the change; the OPS page shows it.
 */
export const featureFlagChanges = pgTable(
  'feature_flag_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    flag: text('flag').notNull(),
    /** Null: the flag had never been set (it read as off). */
    fromEnabled: boolean('from_enabled'),
    toEnabled: boolean('to_enabled').notNull(),
    /** As people read it: "OPS token 1a2b3c4d" or "ops CLI (user@host)" (viewer.ts, actorLabel). */
    changedBy: text('changed_by').notNull(),
    /** The token that made the change; null for the ops CLI. No foreign key: the audit outlives the token. */
    changedByTokenId: uuid('changed_by_token_id'),
    createdAt: createdAt(),
  },
  (t) => [index('feature_flag_changes_time_idx').on(t.createdAt, t.id), index('feature_flag_changes_account_idx').on(t.accountId, t.createdAt)],
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
