/** The webhooks domain's vocabularies and limits, declared once (database enums, GraphQL enums, docs). */

/** Where a delivery of one event to one endpoint stands. */
export enum WebhookDeliveryStatus {
  /** Waiting for its first attempt or its next retry. */
  PENDING = 'PENDING',
  /** The endpoint answered 2xx. */
  DELIVERED = 'DELIVERED',
  /** Every attempt failed, or the endpoint was disabled before it could be delivered. */
  FAILED = 'FAILED',
}

/** Why one attempt failed. */
export enum WebhookAttemptError {
  /** The URL's host is, or resolved to, a loopback, private, link-local, metadata or other non-public address. */
  ADDRESS_FORBIDDEN = 'ADDRESS_FORBIDDEN',
  /** http:// while WEBHOOK_ALLOW_HTTP is off. */
  SCHEME_FORBIDDEN = 'SCHEME_FORBIDDEN',
  /** The host name did not resolve. */
  DNS_FAILED = 'DNS_FAILED',
  /** No connection could be made (refused, reset, TLS failure). */
  CONNECT_FAILED = 'CONNECT_FAILED',
  /** No connection within WEBHOOK_CONNECT_TIMEOUT_MS, or no answer within WEBHOOK_TIMEOUT_MS. */
  TIMEOUT = 'TIMEOUT',
  /** A 3xx answer: redirects are never followed (the target could be anywhere). */
  REDIRECT = 'REDIRECT',
  /** A status other than 2xx or 3xx. */
  HTTP_ERROR = 'HTTP_ERROR',
  /** The endpoint was disabled while the delivery waited: it is not attempted. */
  ENDPOINT_DISABLED = 'ENDPOINT_DISABLED',
  /** This process cannot open the endpoint's signing secret (another SECRETS_KEY): nothing was sent. */
  SECRET_UNAVAILABLE = 'SECRET_UNAVAILABLE',
}

/** Limits of the webhook settings (docs/security.md lists them with the others). */
export const WEBHOOK_LIMITS = {
  /** Endpoints one account may register. */
  maxEndpointsPerAccount: 20,
  /** Characters of an endpoint URL. */
  maxUrlLength: 2048,
  /** Bytes of an endpoint's answer kept with the delivery (the rest is not read). */
  maxResponseExcerptBytes: 512,
  /** Deliveries one page of `webhookDeliveries` returns at most. */
  maxDeliveriesPage: 100,
} as const;

/** NOTIFY channel raised after a delivery job is enqueued, so idle webhook workers fetch at once. */
export const WEBHOOKS_QUEUED_CHANNEL = 'webhooks_queued';

/** The Standard Webhooks `webhook-id` of a delivery: stable for one event and one endpoint across retries. */
export function webhookMessageId(deliveryId: string): string {
  return `msg_${deliveryId.replace(/-/g, '')}`;
}
