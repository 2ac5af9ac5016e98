import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
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
    @Arg('first', () => Int, { defaultValue: 50, description: '1..200.' }) first: number,
    @Arg('before', () => ID, { nullable: true, description: 'The id of the last event of the previous page: the events older than it.' }) before: string | null,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.alerts.history(viewer, first, before ?? null);
  }

  @Mutation(() => AlertState, {
    description:
      "Acknowledges a firing alert (\"someone is on it\"): kept, with who did it, until the rule stops or starts firing again. Builders for their account, OPS for any.",
    complexity: FIELD_COSTS.acknowledgeAlert,
  })
  acknowledgeAlert(
    @Arg('accountId', () => ID) accountId: string,
    @Arg('rule', () => String) rule: string,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.alerts.acknowledge(viewer, accountId, rule);
  }
}
