import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AppError } from '../infra/errors.js';
import type { GraphQLContext } from '../infra/graphql/context.js';
import type { AttachmentRow } from './files.repository.js';
import { Attachment, AttachmentLimits, ChannelSupport } from './files.types.js';
import { attachmentLimits, channelSupportOf } from './attachment-limits.js';
import { UploadScalar, type UploadArg } from './upload-scalar.js';
import { FIELD_COSTS } from '../infra/graphql/field-costs.js';

@Resolver(() => Attachment)
export class FilesResolver {
  @Query(() => AttachmentLimits)
  attachmentLimits(@Ctx() { viewer }: GraphQLContext) {
    if (!viewer) throw AppError.unauthenticated();
    return attachmentLimits();
  }

  @Mutation(() => Attachment, { description: 'Stages a file for a later saveSendAttachmentAction.', complexity: FIELD_COSTS.uploadAttachment })
  uploadAttachment(
    @Arg('file', () => UploadScalar) file: UploadArg,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.files.upload(viewer, file);
  }

  @FieldResolver(() => [ChannelSupport], { description: 'Which channels can deliver this file.' })
  channels(@Root() attachment: AttachmentRow) {
    return channelSupportOf(attachment);
  }
}
