import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class Agent {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => Int, { description: 'Version of the last training; 0 when never trained.' })
  trainedVersion!: number;

  @Field(() => Date, { nullable: true })
  trainedAt!: Date | null;

  @Field(() => Boolean, { description: 'True when enabled actions changed since the last training.' })
  needsTraining!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Null while the account's Send Attachment flag is on; otherwise why the agent offers none of its Send Attachment actions, for the builder.",
  })
  sendAttachmentUnavailable!: string | null;
}

@ObjectType({ description: 'The tools an agent was last trained with (OpenAI function-calling format).' })
export class AgentToolset {
  @Field(() => Int)
  version!: number;

  @Field(() => Date, { nullable: true })
  trainedAt!: Date | null;

  @Field(() => GraphQLJSON)
  tools!: unknown[];

  @Field(() => GraphQLJSON)
  capabilityActions!: unknown[];
}
