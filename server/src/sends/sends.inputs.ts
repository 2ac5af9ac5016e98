import { Field, ID, InputType, Int } from 'type-graphql';
import { SendStatus } from './sends.types.js';

/** Lengths are checked by the service (sends.service.ts), which answers with field + reason. */
@InputType()
export class InvokeSendAttachmentInput {
  @Field(() => ID)
  actionId!: string;

  @Field(() => ID, { description: "ChatService room id of the conversation; the channel is the room's." })
  conversationId!: string;

  @Field(() => String, { nullable: true, description: 'AI mode only; ignored for MANUAL actions. Cut at a word boundary to the channel limit.' })
  caption?: string | null;

  @Field(() => String, { nullable: true, description: 'Repeats with the same key within 24 h return the first receipt.' })
  idempotencyKey?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Up to 10000: answer when the send is final (SENT, or FAILED with its reason) or when this many milliseconds have passed (QUEUED). Left out or 0: answer at once.',
  })
  waitMs?: number | null;
}

/** Every filter maps to one fixed column condition in SendsRepository (the allowlist). */
@InputType()
export class SendFilter {
  @Field(() => [SendStatus], { nullable: true })
  status?: SendStatus[] | null;

  @Field(() => [String], { nullable: true })
  channel?: string[] | null;

  @Field(() => [String], { nullable: true })
  reason?: string[] | null;

  @Field(() => ID, { nullable: true })
  actionId?: string | null;

  @Field(() => ID, { nullable: true })
  agentId?: string | null;

  @Field(() => String, { nullable: true })
  conversationId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Created at or after.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Created before.' })
  to?: Date | null;
}
