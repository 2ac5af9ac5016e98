import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { InvokeSendAttachmentInput, SendFilter } from './sends.inputs.js';
import { Send, SendConnection, SendReceipt } from './sends.types.js';

@Resolver()
export class SendsResolver {
  @Mutation(() => SendReceipt, { description: 'AI_SERVICE: send the action\'s pinned files to the conversation. Answers before delivery.' })
  invokeSendAttachment(
    @Arg('input', () => InvokeSendAttachmentInput) input: InvokeSendAttachmentInput,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.sends.invoke(viewer, input);
  }

  @Query(() => SendConnection, { description: 'Send history, newest first.' })
  sends(
    @Arg('filter', () => SendFilter, { nullable: true }) filter: SendFilter | null,
    @Arg('first', () => Int, { nullable: true, description: '1..100, default 20.' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.sends.list(viewer, filter, first, after);
  }

  @Query(() => Send, { nullable: true })
  send(@Arg('id', () => ID) id: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.sends.get(viewer, id);
  }
}
