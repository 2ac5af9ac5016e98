import { graphql, type ResultOf } from '~/graphql/tada';

export const AlertsQuery = graphql(`
  query Alerts {
    alerts {
      accountId
      accountName
      rule
      title
      description
      audience
      basis
      threshold
      firing
      value
      valueText
      since
      evaluatedAt
      acknowledgedAt
      acknowledgedBy
      window {
        from
        to
        reason
      }
    }
  }
`);

export const AcknowledgeAlertMutation = graphql(`
  mutation AcknowledgeAlert($accountId: ID!, $rule: String!) {
    acknowledgeAlert(accountId: $accountId, rule: $rule) {
      accountId
      rule
      firing
      acknowledgedAt
      acknowledgedBy
    }
  }
`);

export const AlertHistoryQuery = graphql(`
  query AlertHistory($first: Int!, $before: ID) {
    alertHistory(first: $first, before: $before) {
      id
      accountId
      accountName
      rule
      title
      kind
      valueText
      actor
      createdAt
      deliveredAt
    }
  }
`);

export type AlertEvent = ResultOf<typeof AlertHistoryQuery>['alertHistory'][number];

export type AlertState = ResultOf<typeof AlertsQuery>['alerts'][number];
