import { graphql } from '~/graphql/tada';

export const MeQuery = graphql(`
  query Me {
    me {
      accountId
      accountName
      role
      featureFlags
      permissions
    }
  }
`);
