import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../sends/sends.types.js';
import { WebhookAttemptError, WebhookDeliveryStatus } from './webhooks.model.js';

registerEnumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus' });
registerEnumType(WebhookAttemptError, { name: 'WebhookAttemptError', description: 'Why an attempt failed.' });

@ObjectType({ description: 'An event webhook endpoints may subscribe to.' })
export class WebhookEventType {
  @Field(() => String, { description: 'The event name, as `type` in the payload.' })
  name!: string;

  @Field(() => String)
  description!: string;
}

@ObjectType({ description: 'An HTTPS endpoint of the account that receives signed events (Standard Webhooks). The secret is never returned after it is made.' })
export class WebhookEndpoint {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [String], { description: 'Event names delivered to this endpoint.' })
  events!: string[];

  @Field(() => Boolean, { description: 'A disabled endpoint gets no new deliveries, and its pending ones end FAILED (ENDPOINT_DISABLED).' })
  enabled!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({ description: 'An endpoint with its signing secret: returned once, by createWebhookEndpoint and rotateWebhookSecret.' })
export class WebhookEndpointWithSecret {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field(() => String, { description: '`whsec_…`: verify `webhook-signature` with it. Shown this once; it cannot be read back.' })
  secret!: string;
}

@ObjectType({ description: 'One event on its way to one endpoint, with where it stands.' })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'The `webhook-id` header: the same on every attempt, so a receiver can drop repeats.' })
  webhookId!: string;

  @Field(() => ID)
  eventId!: string;

  @Field(() => String)
  eventName!: string;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts!: number;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last answer; null when there was none.' })
  lastStatus!: number | null;

  @Field(() => WebhookAttemptError, { nullable: true })
  lastErrorCode!: WebhookAttemptError | null;

  @Field(() => String, { nullable: true, description: 'What went wrong with the last attempt, in words.' })
  lastError!: string | null;

  @Field(() => String, { nullable: true, description: 'The start of the last answer (at most 512 bytes).' })
  responseExcerpt!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due; null once delivered or failed.' })
  nextAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType({ description: "An endpoint's deliveries, newest first." })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDelivery])
  nodes!: WebhookDelivery[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
