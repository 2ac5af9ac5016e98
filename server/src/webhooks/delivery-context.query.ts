import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../infra/db/db.js';

/**
 * What one webhook attempt sends: the delivery, its endpoint (with the sealed secret) and the
 * event it carries. A named read across domains (webhooks and events), each joined on the
 * delivery's account like every other read.
 */
export async function webhookDeliveryContext(db: DbOrTx, accountId: string, deliveryId: string) {
  const rows = await db.execute<{
    id: string;
    account_id: string;
    endpoint_id: string;
    url: string;
    enabled: boolean;
    secret_sealed: string;
    event_name: string;
    event_properties: Record<string, unknown>;
    event_created_at: string;
  }>(sql`
    select d.id, d.account_id, d.endpoint_id, e.url, e.enabled, e.secret_sealed,
           ev.name as event_name, ev.properties as event_properties, ev.created_at as event_created_at
    from webhook_deliveries d
    join webhook_endpoints e on e.id = d.endpoint_id and e.account_id = d.account_id
    join events ev on ev.id = d.event_id and ev.account_id = d.account_id
    where d.account_id = ${accountId} and d.id = ${deliveryId}`);
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    accountId: row.account_id,
    endpointId: row.endpoint_id,
    url: row.url,
    enabled: row.enabled,
    secretSealed: row.secret_sealed,
    event: { name: row.event_name, properties: row.event_properties, createdAt: new Date(row.event_created_at) },
  };
}
