import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { Agent, AgentToolset } from './agents.types.js';
import { FIELD_COSTS } from '../infra/graphql/field-costs.js';

@Resolver()
export class AgentsResolver {
  @Query(() => [Agent])
  agents(@Ctx() { viewer, services }: GraphQLContext) {
    return services.agents.list(viewer);
  }

  @Query(() => AgentToolset)
  agentTools(@Arg('agentId', () => ID) agentId: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.agents.tools(viewer, agentId);
  }

  @Mutation(() => AgentToolset, { complexity: FIELD_COSTS.trainAgent })
  trainAgent(@Arg('agentId', () => ID) agentId: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.agents.train(viewer, agentId);
  }
}
