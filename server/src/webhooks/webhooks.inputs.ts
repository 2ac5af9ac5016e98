import { Field, InputType } from 'type-graphql';

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => String, { description: 'https:// URL the events are POSTed to.' })
  url!: string;

  @Field(() => [String], { description: 'Event names from `webhookEvents`.' })
  events!: string[];

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  enabled?: boolean | null;
}

@InputType({ description: 'Only the fields given change.' })
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true })
  events?: string[] | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;
}
