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

export type AccountOverview = ResultOf<typeof AccountsOverviewQuery>['accountsOverview'][number];
