import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { FIELD_COSTS } from '../infra/graphql/field-costs.js';
import { ApiToken, ChatServiceSettings, FeatureFlagChangeConnection, Me } from './accounts.types.js';

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

  @Query(() => FeatureFlagChangeConnection, {
    description: 'OPS only: who changed which feature flag, when, and from which value; newest first.',
    complexity: FIELD_COSTS.featureFlagChanges,
  })
  featureFlagChanges(
    @Arg('accountId', () => ID, { nullable: true, description: 'One account; omitted, every account.' }) accountId: string | null,
    @Arg('first', () => Int, { nullable: true, description: '1..100, default 20.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: "The previous page's endCursor." }) after: string | null,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.accounts.flagChangesAs(viewer, accountId ?? null, first, after);
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
