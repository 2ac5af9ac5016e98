import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { Agent, AgentToolset } from './agents.types.js';

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

  @Mutation(() => AgentToolset)
  trainAgent(@Arg('agentId', () => ID) agentId: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.agents.train(viewer, agentId);
  }
}
