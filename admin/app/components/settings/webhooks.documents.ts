import { graphql, type ResultOf } from '~/graphql/tada';

export const WebhookEndpointFields = graphql(`
  fragment WebhookEndpointFields on WebhookEndpoint {
    id
    url
    events
    enabled
    createdAt
    updatedAt
  }
`);

/** The account's endpoints and the events they may subscribe to (ADMIN); never a secret. */
export const WebhooksQuery = graphql(
  `
    query Webhooks {
      webhookEndpoints {
        ...WebhookEndpointFields
      }
      webhookEvents {
        name
        description
      }
    }
  `,
  [WebhookEndpointFields],
);

export const CreateWebhookEndpointMutation = graphql(
  `
    mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
      createWebhookEndpoint(input: $input) {
        secret
        endpoint {
          ...WebhookEndpointFields
        }
      }
    }
  `,
  [WebhookEndpointFields],
);

export const UpdateWebhookEndpointMutation = graphql(
  `
    mutation UpdateWebhookEndpoint($id: ID!, $input: UpdateWebhookEndpointInput!) {
      updateWebhookEndpoint(id: $id, input: $input) {
        ...WebhookEndpointFields
      }
    }
  `,
  [WebhookEndpointFields],
);

export const RotateWebhookSecretMutation = graphql(`
  mutation RotateWebhookSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
      endpoint {
        id
      }
    }
  }
`);

export const DeleteWebhookEndpointMutation = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id)
  }
`);

export const WebhookDeliveryFields = graphql(`
  fragment WebhookDeliveryFields on WebhookDelivery {
    id
    webhookId
    eventId
    eventName
    status
    attempts
    lastStatus
    lastErrorCode
    lastError
    nextAttemptAt
    deliveredAt
    createdAt
  }
`);

export const WebhookDeliveriesQuery = graphql(
  `
    query WebhookDeliveries($endpointId: ID!, $first: Int, $after: String) {
      webhookDeliveries(endpointId: $endpointId, first: $first, after: $after) {
        nodes {
          ...WebhookDeliveryFields
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  `,
  [WebhookDeliveryFields],
);

/** One more attempt of a finished delivery, now, with the same webhook-id. */
export const RedeliverWebhookMutation = graphql(
  `
    mutation RedeliverWebhook($deliveryId: ID!) {
      redeliverWebhook(deliveryId: $deliveryId) {
        ...WebhookDeliveryFields
      }
    }
  `,
  [WebhookDeliveryFields],
);

export type WebhookEndpoint = ResultOf<typeof WebhookEndpointFields>;
export type WebhookEventType = ResultOf<typeof WebhooksQuery>['webhookEvents'][number];
export type WebhookDelivery = ResultOf<typeof WebhookDeliveryFields>;
