import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../infra/graphql/context.js';
import { FIELD_COSTS } from '../infra/graphql/field-costs.js';
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from './webhooks.inputs.js';
import { WebhookDelivery, WebhookDeliveryConnection, WebhookEndpoint, WebhookEndpointWithSecret, WebhookEventType } from './webhooks.types.js';

@Resolver()
export class WebhooksResolver {
  @Query(() => [WebhookEventType], { description: 'The events webhook endpoints may subscribe to (ADMIN).' })
  webhookEvents(@Ctx() { viewer, services }: GraphQLContext) {
    return services.webhooks.eventTypes(viewer);
  }

  @Query(() => [WebhookEndpoint], { description: "The account's webhook endpoints (ADMIN)." })
  webhookEndpoints(@Ctx() { viewer, services }: GraphQLContext) {
    return services.webhooks.list(viewer);
  }

  @Query(() => WebhookDeliveryConnection, { description: "One endpoint's deliveries, newest first (ADMIN).", complexity: FIELD_COSTS.webhookDeliveries })
  webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('first', () => Int, { nullable: true, description: '1..100, default 20.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: "The previous page's endCursor." }) after: string | null,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.webhooks.deliveries(viewer, endpointId, first, after);
  }

  @Mutation(() => WebhookEndpointWithSecret, { description: 'Registers an endpoint; its signing secret is in the answer, this once.' })
  createWebhookEndpoint(@Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput, @Ctx() { viewer, services }: GraphQLContext) {
    return services.webhooks.create(viewer, input);
  }

  @Mutation(() => WebhookEndpoint)
  updateWebhookEndpoint(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
    @Ctx() { viewer, services }: GraphQLContext,
  ) {
    return services.webhooks.update(viewer, id, input);
  }

  @Mutation(() => ID, { description: 'Deletes the endpoint and its deliveries; returns its id.' })
  deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.webhooks.remove(viewer, id);
  }

  @Mutation(() => WebhookDelivery, {
    description: 'Tries a delivered or failed delivery once more, now, with the same webhook-id; one attempt, no retries after it (ADMIN).',
  })
  redeliverWebhook(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.webhooks.redeliver(viewer, deliveryId);
  }

  @Mutation(() => WebhookEndpointWithSecret, { description: 'Replaces the signing secret at once; the new one is in the answer, this once.' })
  rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() { viewer, services }: GraphQLContext) {
    return services.webhooks.rotateSecret(viewer, id);
  }
}
