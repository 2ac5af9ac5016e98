/**
 * Every table, gathered from the domains that own them (`<domain>/<domain>.schema.ts`), so
 * drizzle and drizzle-kit see the whole schema. Every row carries account_id: all reads filter
 * by it (see docs/architecture.md, "Account isolation").
 */
export * from '../../accounts/accounts.schema.js';
export * from '../../actions/actions.schema.js';
export * from '../../sends/sends.schema.js';
export * from '../../agents/agents.schema.js';
export * from '../../files/files.schema.js';
export * from '../../events/events.schema.js';
export * from '../../stats/stats.schema.js';
export * from '../../alerts/alerts.schema.js';
export * from '../http/request-budget.schema.js';
export * from '../../webhooks/webhooks.schema.js';
