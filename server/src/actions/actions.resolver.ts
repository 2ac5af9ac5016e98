import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toolNameOf } from '../agents/toolset.js';
import { UploadScalar, type UploadArg } from '../files/upload-scalar.js';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { SaveSendAttachmentActionInput } from './actions.inputs.js';
import type { ActionView } from './actions.service.js';
import { CatalogEntry, SendAttachmentAction } from './actions.types.js';
import { saveActionCost } from '../infra/graphql/field-costs.js';

@Resolver(() => SendAttachmentAction)
export class ActionsResolver {
  @Query(() => [SendAttachmentAction])
  actions(@Arg('agentId', () => ID) agentId: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.actions.list(viewer, agentId);
  }

  @Query(() => SendAttachmentAction)
  action(@Arg('id', () => ID) id: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.actions.get(viewer, id);
  }

  @Query(() => [CatalogEntry])
  actionCatalog(@Arg('agentId', () => ID) agentId: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.actions.catalog(viewer, agentId);
  }

  @Mutation(() => SendAttachmentAction, { complexity: saveActionCost })
  saveSendAttachmentAction(
    @Arg('input', () => SaveSendAttachmentActionInput) input: SaveSendAttachmentActionInput,
    @Arg('files', () => [UploadScalar], { nullable: true }) files: UploadArg[] | null,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.actions.save(viewer, input, files ?? []);
  }

  @Mutation(() => SendAttachmentAction)
  setActionEnabled(
    @Arg('id', () => ID) id: string,
    @Arg('enabled', () => Boolean) enabled: boolean,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.actions.setEnabled(viewer, id, enabled);
  }

  @Mutation(() => Boolean)
  deleteAction(@Arg('id', () => ID) id: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.actions.delete(viewer, id);
  }

  @FieldResolver(() => String)
  toolName(@Root() action: ActionView) {
    return toolNameOf(action.id);
  }
}
