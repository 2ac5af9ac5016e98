import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { AlertEvent, AlertState } from './alerts.types.js';

@Resolver()
export class AlertsResolver {
  @Query(() => [AlertState], { description: "The alert rules with their current state (OPS: every account's)." })
  alerts(@Ctx() { viewer, services }: GraphQLContext) {
    return services.alerts.list(viewer);
  }

  @Query(() => [AlertEvent], { description: 'Recent alert transitions, newest first.' })
  alertHistory(
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.alerts.history(viewer, first);
  }
}
