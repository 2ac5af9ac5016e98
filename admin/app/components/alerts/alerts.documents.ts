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
    }
  }
`);

export type AlertState = ResultOf<typeof AlertsQuery>['alerts'][number];
