import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Whether one channel can deliver a file, and why not.' })
export class ChannelSupport {
  @Field(() => String)
  channel!: string;

  @Field(() => String)
  label!: string;

  @Field(() => Boolean)
  supported!: boolean;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@ObjectType({ description: 'A stored file: staged after upload, pinned once an action is saved with it.' })
export class Attachment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  fileName!: string;

  @Field(() => String)
  mimeType!: string;

  @Field(() => Float)
  sizeBytes!: number;

  @Field(() => String, { description: 'image | video | audio | document' })
  kind!: string;

  @Field(() => String)
  sha256!: string;

  @Field(() => Date)
  createdAt!: Date;

  // channels: resolved by AttachmentResolver from the channel limits table.
}

@ObjectType()
export class KindExtensions {
  @Field(() => String)
  kind!: string;

  @Field(() => [String])
  extensions!: string[];
}

@ObjectType()
export class ChannelKindLimit {
  @Field(() => String)
  kind!: string;

  @Field(() => Boolean)
  supported!: boolean;

  @Field(() => Float, { nullable: true })
  maxBytes!: number | null;

  @Field(() => [String], { nullable: true, description: 'Accepted extensions; null means every accepted one.' })
  extensions!: string[] | null;
}

@ObjectType({ description: 'What a chat channel can carry (SPEC section 8).' })
export class ChannelLimit {
  @Field(() => String)
  channel!: string;

  @Field(() => String)
  label!: string;

  @Field(() => Boolean)
  supportsAttachments!: boolean;

  @Field(() => [ChannelKindLimit])
  kinds!: ChannelKindLimit[];

  @Field(() => Int, { nullable: true })
  captionMaxChars!: number | null;

  @Field(() => String)
  source!: string;
}

@ObjectType()
export class FieldLimits {
  @Field(() => Int)
  nameMaxChars!: number;

  @Field(() => Int)
  triggerMaxChars!: number;

  @Field(() => Int)
  contentMessageMaxChars!: number;
}

@ObjectType()
export class ActionDefaults {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  trigger!: string;
}

@ObjectType({ description: 'The file and field rules the server enforces, for the admin to show.' })
export class AttachmentLimits {
  @Field(() => Float)
  maxFileBytes!: number;

  @Field(() => Int)
  maxFilesPerAction!: number;

  @Field(() => Int, { description: 'At most this many enabled actions (tools) per agent: training refuses more (OpenAI takes at most 128 tools).' })
  maxToolsPerAgent!: number;

  @Field(() => [String])
  acceptedExtensions!: string[];

  @Field(() => [KindExtensions])
  acceptedByKind!: KindExtensions[];

  @Field(() => FieldLimits)
  fields!: FieldLimits;

  @Field(() => ActionDefaults)
  defaults!: ActionDefaults;

  @Field(() => [ChannelLimit])
  channels!: ChannelLimit[];
}
