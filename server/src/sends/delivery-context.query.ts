import { and, eq, sql } from 'drizzle-orm';
import { accounts, featureFlags } from '../accounts/accounts.schema.js';
import { actions } from '../actions/actions.schema.js';
import type { Db } from '../infra/db/db.js';
import { sends } from './sends.schema.js';
import { SendCancelReason } from './sends.model.js';

/*
 * A named read across domains (sends, accounts, actions), kept out of their repositories for
 * the reason invoke-context.query.ts is: what a delivery run needs before it sends anything
 * costs one prepared statement.
 */

export interface DeliveryContextParams {
  sendId: string;
  accountId: string;
  flag: string;
}

/**
 * The delivery-context statement, built and named once per database handle: the send, the
 * account's ChatService settings (the token sealed), and the rollback that cancels the send, if
 * one happened since the invoke: the flag turned off, the action deleted or turned off (in that
 * order of precedence). No row when the send (or its account) does not exist.
 */
export function prepareDeliveryContext(db: Db) {
  const cancelReason = sql<SendCancelReason | null>`case
    when not coalesce(${featureFlags.enabled}, false) then ${SendCancelReason.FLAG_OFF}
    when ${actions.id} is null or ${actions.deletedAt} is not null then ${SendCancelReason.ACTION_DELETED}
    when not ${actions.enabled} then ${SendCancelReason.ACTION_DISABLED}
    end`;
  const query = db
    .select({
      send: sends,
      sealedToken: accounts.chatServiceTokenSealed,
      organizationId: accounts.chatServiceOrg,
      cancelReason,
    })
    .from(sends)
    .innerJoin(accounts, eq(accounts.id, sends.accountId))
    .leftJoin(featureFlags, and(eq(featureFlags.accountId, sends.accountId), eq(featureFlags.flag, sql.placeholder('flag'))))
    .leftJoin(actions, and(eq(actions.accountId, sends.accountId), eq(actions.id, sends.actionId)))
    .where(and(eq(sends.id, sql.placeholder('sendId')), eq(sends.accountId, sql.placeholder('accountId'))))
    .prepare('delivery_context');
  return async (params: DeliveryContextParams) => {
    const [row] = await query.execute(params as unknown as Record<string, unknown>);
    return row;
  };
}

export type DeliveryContext = NonNullable<Awaited<ReturnType<ReturnType<typeof prepareDeliveryContext>>>>;
