import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { InvokeSendAttachmentInput, SendFilter } from './sends.inputs.js';
import { Send, SendConnection, SendReceipt } from './sends.types.js';
import { FIELD_COSTS } from '../infra/graphql/field-costs.js';
import { receiptWords } from './failure-reasons.js';

@Resolver()
export class SendsResolver {
  @Mutation(() => SendReceipt, {
    description: "AI_SERVICE: send the action's pinned files to the conversation. Answers before delivery, or with waitMs when it is final or the wait ends.",
    complexity: FIELD_COSTS.invokeSendAttachment,
  })
  async invokeSendAttachment(
    @Arg('input', () => InvokeSendAttachmentInput) input: InvokeSendAttachmentInput,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    const waitMs = services.sendOutcomes.requireWait(viewer, input.waitMs);
    const receipt = await services.invoke.invoke(viewer, input);
    return waitMs === null ? receipt : services.sendOutcomes.settle(viewer!.accountId, receipt, waitMs);
  }

  @Query(() => SendConnection, { description: 'Send history, newest first.', complexity: FIELD_COSTS.sends })
  sends(
    @Arg('filter', () => SendFilter, { nullable: true }) filter: SendFilter | null,
    @Arg('first', () => Int, { nullable: true, description: '1..100, default 20.' }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.sendHistory.list(viewer, filter, first, after);
  }

  @Query(() => Send, { nullable: true, complexity: FIELD_COSTS.send })
  send(@Arg('id', () => ID) id: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.sendHistory.get(viewer, id);
  }
}

@Resolver(() => SendConnection)
export class SendConnectionResolver {
  @FieldResolver(() => Int, {
    description: 'Sends matching the filter, across all pages (counted only when asked for).',
    complexity: FIELD_COSTS.sendsTotalCount,
  })
  totalCount(@Root() connection: SendConnection) {
    return connection.countAll();
  }
}

@Resolver(() => SendReceipt)
export class SendReceiptResolver {
  @FieldResolver(() => String, { description: 'One sentence for a person or a model: what happened and what to do next.' })
  message(@Root() receipt: SendReceipt) {
    return receiptWords(receipt).message;
  }

  @FieldResolver(() => Boolean, { description: 'Whether the same call, made again later (with a new idempotencyKey), may succeed.' })
  retryable(@Root() receipt: SendReceipt) {
    return receiptWords(receipt).retryable;
  }
}
