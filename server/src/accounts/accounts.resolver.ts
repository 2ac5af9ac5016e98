import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { ApiToken, ChatServiceSettings, Me } from './accounts.types.js';

@Resolver()
export class AccountsResolver {
  @Query(() => Me)
  me(@Ctx() { viewer, services }: GraphQLContext) {
    return services.accounts.me(viewer);
  }

  @Mutation(() => Boolean, { description: 'OPS only: turn a feature flag on or off for an account.' })
  setFeatureFlag(
    @Arg('accountId', () => ID) accountId: string,
    @Arg('flag', () => String) flag: string,
    @Arg('enabled', () => Boolean) enabled: boolean,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.accounts.setFeatureFlagAs(viewer, accountId, flag, enabled);
  }

  @Query(() => [ApiToken], { description: "ADMIN: the account's API tokens, newest first, revoked ones included." })
  apiTokens(@Ctx() { viewer, services }: GraphQLContext) {
    return services.accounts.listTokensAs(viewer);
  }

  @Mutation(() => ApiToken, { description: 'ADMIN: revoke one of the account\'s tokens; every server refuses it within a second.' })
  revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.accounts.revokeTokenAs(viewer, id);
  }

  @Mutation(() => ChatServiceSettings, {
    description:
      "OPS only: set or rotate an account's ChatService token and/or organization id. Omitted arguments stay as they are; an empty organizationId clears it. The token is stored encrypted and never returned.",
  })
  setChatServiceSettings(
    @Arg('accountId', () => ID) accountId: string,
    @Arg('token', () => String, { nullable: true }) token: string | undefined,
    @Arg('organizationId', () => String, { nullable: true }) organizationId: string | undefined,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.accounts.setChatServiceSettingsAs(viewer, accountId, { token, organizationId });
  }
}
