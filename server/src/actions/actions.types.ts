import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Attachment } from '../files/files.types.js';

import { ContentMode } from './actions.model.js';

export { ContentMode };
registerEnumType(ContentMode, {
  name: 'ContentMode',
  description: 'AI: the agent writes the caption at send time. MANUAL: the stored content message is sent.',
});

@ObjectType()
export class ActionUsageStats {
  @Field(() => Int)
  sent!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Date, { nullable: true })
  lastSentAt!: Date | null;
}

@ObjectType()
export class SendAttachmentAction {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  agentId!: string;

  @Field(() => String, { description: 'QONTAK_SEND_ATTACHMENT' })
  type!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: '"When and how to trigger this action?": the tool description the AI reads.' })
  trigger!: string;

  @Field(() => ContentMode)
  contentMode!: ContentMode;

  @Field(() => String, { nullable: true })
  contentMessage!: string | null;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => Boolean, {
    description: 'When a channel cannot carry a pinned file (channel_limit_exceeded), the customer gets a signed, expiring download link to it instead.',
  })
  linkFallback!: boolean;

  @Field(() => Int, { description: 'Pass back as expectedVersion when saving, to detect concurrent edits.' })
  version!: number;

  @Field(() => String, { description: 'The function name the AI service calls.' })
  toolName!: string;

  @Field(() => [Attachment])
  attachments!: Attachment[];

  @Field(() => ActionUsageStats)
  usage!: ActionUsageStats;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType()
export class CatalogEntry {
  @Field(() => String, { description: 'QONTAK_SEND_ATTACHMENT for this action' })
  type!: string;

  @Field(() => String)
  label!: string;

  @Field(() => String)
  description!: string;
}
