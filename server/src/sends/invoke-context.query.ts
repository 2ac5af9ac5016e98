import { and, eq, isNull, sql } from 'drizzle-orm';
import { accounts, featureFlags } from '../accounts/accounts.schema.js';
import { actions } from '../actions/actions.schema.js';
import { agentToolsets } from '../agents/agents.schema.js';
import type { DbOrTx } from '../infra/db/db.js';

/*
 * A named read across domains (accounts, actions, agents), kept out of their repositories
 * because it exists for one reason: invoke is the hot path, and these checks cost one round trip.
 */

/**
 * What invoke checks before the room lookup, in one round trip: the account's ChatService
 * settings (the token sealed), whether `flag` is on, the live action (null if missing or deleted), and whether
 * the agent's last trained tool set holds it. Undefined when the account does not exist.
 */
export async function loadInvokeContext(db: DbOrTx, accountId: string, actionId: string, flag: string) {
  const [row] = await db
    .select({
      sealedToken: accounts.chatServiceTokenSealed,
      organizationId: accounts.chatServiceOrg,
      flagOn: sql<boolean>`coalesce(${featureFlags.enabled}, false)`,
      action: actions,
      trained: sql<boolean>`coalesce((
        select ${actionId}::uuid = any(${agentToolsets.actionIds}) from ${agentToolsets}
        where ${agentToolsets.accountId} = ${accounts.id} and ${agentToolsets.agentId} = ${actions.agentId}
        order by ${agentToolsets.version} desc limit 1), false)`,
    })
    .from(accounts)
    .leftJoin(featureFlags, and(eq(featureFlags.accountId, accounts.id), eq(featureFlags.flag, flag)))
    .leftJoin(actions, and(eq(actions.accountId, accounts.id), eq(actions.id, actionId), isNull(actions.deletedAt)))
    .where(eq(accounts.id, accountId));
  return row;
}
