import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { Me } from './accounts.types.js';

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
}
