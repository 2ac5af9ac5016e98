import type { DbOrTx } from '../infra/db/db.js';
import { events } from '../infra/db/schema.js';

/** Event names and their properties (SPEC section 6). The table is append only. */
export const EVENTS = {
  ACTION_CREATED: 'ai_agent_send_attachment_action_created',
  ACTION_TRIGGERED: 'ai_agent_attachment_action_triggered',
  SENT: 'ai_agent_attachment_sent',
  SEND_FAILED: 'ai_agent_attachment_send_failed',
  /** Not in SPEC section 6: a queued send a rollback stopped (neither sent nor failed). */
  SEND_CANCELLED: 'ai_agent_attachment_send_cancelled',
} as const;

export interface EventProperties {
  [EVENTS.ACTION_CREATED]: {
    account_id: string;
    agent_id: string;
    action_id: string;
    file_count: number;
    content_message_mode: 'ai' | 'manual';
  };
  [EVENTS.ACTION_TRIGGERED]: { account_id: string; agent_id: string; action_id: string; conversation_id: string; is_test?: true };
  [EVENTS.SENT]: {
    account_id: string;
    agent_id: string;
    action_id: string;
    channel: string;
    file_count: number;
    /** Of file_count, the files that went as download links (the link fallback). */
    link_file_count: number;
    conversation_id: string;
    send_id: string;
    /** Only on a builder's test send (never counted in the stats). */
    is_test?: true;
  };
  [EVENTS.SEND_FAILED]: {
    account_id: string;
    agent_id: string;
    action_id: string;
    channel: string | null;
    reason: string;
    conversation_id: string;
    send_id: string;
    detail?: string;
    /** Only on a builder's test send (never counted in the stats). */
    is_test?: true;
  };
  [EVENTS.SEND_CANCELLED]: {
    account_id: string;
    agent_id: string;
    action_id: string;
    channel: string | null;
    /** SendCancelReason */
    reason: string;
    conversation_id: string;
    send_id: string;
    /** Only on a builder's test send (never counted in the stats). */
    is_test?: true;
  };
}

export type EventName = keyof EventProperties;

/**
 * The events an account's webhook endpoints may subscribe to, with what each means for the
 * endpoint's owner (served by `webhookEvents`). Adding one here is all it takes: the fan-out
 * trigger matches on the name, and the payload's `data` is the event's properties.
 */
export const WEBHOOK_EVENTS: Readonly<Partial<Record<EventName, string>>> = {
  [EVENTS.SENT]: 'A send delivered every file to the customer.',
  [EVENTS.SEND_FAILED]: 'A send ended without delivering its files (refused by the guard, or failed after its retries), with the reason.',
  [EVENTS.SEND_CANCELLED]: 'A queued send was cancelled before delivery because the flag or the action was turned off (or the action deleted), with the reason.',
};

export function isWebhookEvent(name: string): name is EventName {
  return Object.hasOwn(WEBHOOK_EVENTS, name);
}

/** Appends one event; call it inside the transaction of the change it records. */
export async function recordEvent<N extends EventName>(db: DbOrTx, name: N, properties: EventProperties[N]) {
  const timestamp = new Date();
  await db.insert(events).values({
    accountId: properties.account_id,
    name,
    properties: { ...properties, timestamp: timestamp.toISOString() },
    createdAt: timestamp,
  });
}
