import { graphql, type ResultOf } from '~/graphql/tada';

export const AccountsOverviewQuery = graphql(`
  query AccountsOverview {
    accountsOverview {
      accountId
      accountName
      flag
      flagEnabled
      sent
      failed
      successRate
    }
  }
`);

export const SetFeatureFlagMutation = graphql(`
  mutation SetFeatureFlag($accountId: ID!, $flag: String!, $enabled: Boolean!) {
    setFeatureFlag(accountId: $accountId, flag: $flag, enabled: $enabled)
  }
`);

export const FeatureFlagChangesQuery = graphql(`
  query FeatureFlagChanges($first: Int, $after: String) {
    featureFlagChanges(first: $first, after: $after) {
      nodes {
        id
        accountId
        accountName
        flag
        fromEnabled
        toEnabled
        changedBy
        createdAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export type FeatureFlagChange = ResultOf<typeof FeatureFlagChangesQuery>['featureFlagChanges']['nodes'][number];

export type AccountOverview = ResultOf<typeof AccountsOverviewQuery>['accountsOverview'][number];
