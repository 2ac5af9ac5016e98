import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { AlertEvent, AlertState } from './alerts.types.js';
import { FIELD_COSTS } from '../infra/graphql/field-costs.js';

@Resolver()
export class AlertsResolver {
  @Query(() => [AlertState], { description: "The alert rules with their current state (OPS: every account's).", complexity: FIELD_COSTS.alerts })
  alerts(@Ctx() { viewer, services }: GraphQLContext) {
    return services.alerts.list(viewer);
  }

  @Query(() => [AlertEvent], { description: 'Recent alert transitions, newest first.', complexity: FIELD_COSTS.alertHistory })
  alertHistory(
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.alerts.history(viewer, first);
  }
}
