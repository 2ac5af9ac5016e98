import { Field, ID, InputType, Int } from 'type-graphql';
import { ContentMode } from './actions.types.js';

/** Lengths and required fields are checked by actions.validation.ts, which returns field + reason. */
@InputType()
export class SaveSendAttachmentActionInput {
  @Field(() => ID, { nullable: true, description: 'Omit to create; set to update.' })
  id?: string | null;

  @Field(() => ID)
  agentId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  trigger!: string;

  @Field(() => ContentMode)
  contentMode!: ContentMode;

  @Field(() => String, { nullable: true })
  contentMessage?: string | null;

  @Field(() => [ID], { description: 'Staged or already pinned attachments to keep, in order.' })
  attachmentIds!: string[];

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Send a download link when a channel cannot carry a pinned file. Omit to keep the stored choice (off on create).',
  })
  linkFallback?: boolean | null;

  @Field(() => Int, { nullable: true })
  expectedVersion?: number | null;
}
