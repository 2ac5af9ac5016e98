import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { AccountOverview, FailureReason, SendStats, StatsBucket } from './stats.types.js';
import { FIELD_COSTS } from '../infra/graphql/field-costs.js';

@Resolver()
export class StatsResolver {
  @Query(() => SendStats, { complexity: FIELD_COSTS.sendStats })
  sendStats(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Arg('bucket', () => StatsBucket) bucket: StatsBucket,
    @Arg('agentId', () => ID, { nullable: true }) agentId: string | null,
    @Arg('channel', () => String, { nullable: true }) channel: string | null,
    @Arg('accountId', () => ID, { nullable: true, description: 'OPS only; omit for all accounts.' }) accountId: string | null,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.stats.sendStats(viewer, {
      from,
      to,
      bucket: bucket.toLowerCase() as Lowercase<StatsBucket>,
      agentId,
      channel,
      accountId,
    });
  }

  @Query(() => [FailureReason], { description: 'Every reason a send can end FAILED or CANCELLED for, with a label and a description.' })
  failureReasons(@Ctx() { viewer, services }: GraphQLContext) {
    return services.stats.failureReasons(viewer);
  }

  @Query(() => [AccountOverview], { description: 'OPS: every account with its flag and 7-day success rate.', complexity: FIELD_COSTS.accountsOverview })
  accountsOverview(@Ctx() { viewer, services }: GraphQLContext) {
    return services.stats.accountsOverview(viewer);
  }
}
