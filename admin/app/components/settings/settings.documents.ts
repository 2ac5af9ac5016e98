import { graphql, type ResultOf } from '~/graphql/tada';

/** The account's API tokens (ADMIN), newest first; never a secret. */
export const ApiTokensQuery = graphql(`
  query ApiTokens {
    apiTokens {
      id
      role
      createdAt
      expiresAt
      revokedAt
      lastUsedAt
      current
    }
  }
`);

export const RevokeApiTokenMutation = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      id
      revokedAt
      current
    }
  }
`);

export type ApiToken = ResultOf<typeof ApiTokensQuery>['apiTokens'][number];

/** Active, revoked, or past its expiry: what the server would do with it now. */
export function tokenState(token: Pick<ApiToken, 'revokedAt' | 'expiresAt'>, now = Date.now()): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && new Date(token.expiresAt).getTime() <= now) return 'expired';
  return 'active';
}
