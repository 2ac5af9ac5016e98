import type { ComplexityEstimatorArgs } from 'graphql-query-complexity';

/**
 * What the expensive fields cost toward GRAPHQL_MAX_COST (default 1000), set on the resolvers
 * with type-graphql's `complexity` option; every other field costs 1. A field's cost adds its
 * children's. The figures follow what each does: `sendStats` runs four rollup queries (a year of
 * daily buckets took 30-50 ms on the 2-core test machine, so at most four fit in one operation), the
 * count of `sends` scans the account's history, training writes a tool-set version, an upload
 * streams up to 75 MB to storage. The same cost is charged to the account's request budget
 * (one point per COST_PER_POINT, infra/http/request-budget.ts).
 */
export const FIELD_COSTS = {
  sendStats: 200,
  accountsOverview: 100,
  alerts: 20,
  alertHistory: 20,
  acknowledgeAlert: 10,
  featureFlagChanges: 20,
  sends: 20,
  sendsTotalCount: 50,
  send: 5,
  trainAgent: 200,
  uploadAttachment: 50,
  /** Plus `uploadAttachment`'s cost for each inline file. */
  saveSendAttachmentAction: 50,
  invokeSendAttachment: 10,
  /** A ChatService room lookup. */
  addTestConversation: 20,
  /** An invoke, and a wait of up to 10 s for its outcome. */
  sendTestAttachment: 50,
  webhookDeliveries: 20,
} as const;

/** saveSendAttachmentAction: the save, and each file sent inline with it as an upload. */
export function saveActionCost({ args, childComplexity }: ComplexityEstimatorArgs): number {
  const files = Array.isArray(args.files) ? args.files.length : 0;
  return FIELD_COSTS.saveSendAttachmentAction + files * FIELD_COSTS.uploadAttachment + childComplexity;
}
