import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { FIELD_COSTS } from '../infra/graphql/field-costs.js';
import { SendReceipt, TestConversation } from './sends.types.js';

@Resolver()
export class TestSendsResolver {
  @Query(() => [TestConversation], { description: "The account's test conversations, by name." })
  testConversations(@Ctx() { viewer, services }: GraphQLContext) {
    return services.testSends.list(viewer);
  }

  @Mutation(() => TestConversation, {
    description: "ADMIN: add (or rename) a test conversation; ChatService must know it as one of the account's rooms.",
    complexity: FIELD_COSTS.addTestConversation,
  })
  addTestConversation(
    @Arg('conversationId', () => String) conversationId: string,
    @Arg('label', () => String) label: string,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.testSends.add(viewer, { conversationId, label });
  }

  @Mutation(() => Boolean, { description: 'ADMIN: remove a test conversation. Sends already made to it stay in the history.' })
  removeTestConversation(@Arg('conversationId', () => String) conversationId: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.testSends.remove(viewer, conversationId);
  }

  @Mutation(() => SendReceipt, {
    description:
      "Builders: send the action's files to one of the account's test conversations now, through the real path (guards, delivery, retries), marked as a test (in the history, not in the stats). The agent need not be trained. Answers once the send is final, or QUEUED after 10 s.",
    complexity: FIELD_COSTS.sendTestAttachment,
  })
  sendTestAttachment(
    @Arg('actionId', () => ID) actionId: string,
    @Arg('conversationId', () => String) conversationId: string,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.testSends.send(viewer, actionId, conversationId);
  }
}
