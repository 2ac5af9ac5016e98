import type postgres from 'postgres';

export interface GeneratedSends {
  accountId: string;
  agentId: string;
  actionId: string;
  channel: string | null;
  status: 'SENT' | 'FAILED' | 'QUEUED';
  reason?: string | null;
  /** When the sends finished; all `count` of them get this time. */
  at: Date;
  count: number;
}

/**
 * Inserts finished sends straight into the table, as the worker leaves them, for metrics
 * tests that need known counts at known times. The rollup trigger counts them as it would.
 */
export async function insertSends(sql: postgres.Sql, g: GeneratedSends): Promise<void> {
  const finished = g.status === 'QUEUED' ? null : g.at;
  await sql`
    insert into sends (account_id, agent_id, action_id, conversation_id, channel, status, reason, created_at, updated_at, completed_at)
    select ${g.accountId}, ${g.agentId}, ${g.actionId}, 'conv-' || i, ${g.channel}, ${g.status}, ${g.reason ?? null},
           ${g.at}, ${g.at}, ${finished}
    from generate_series(1, ${g.count}) as i`;
}

/** Finished sends of one action, now, so the library has usage to show (the runtime writes these for real). */
export async function recordSends(
  stack: { sql: postgres.Sql },
  account: { accountId: string; agentId: string },
  actionId: string,
  counts: { sent: number; failed: number },
): Promise<void> {
  const base = { accountId: account.accountId, agentId: account.agentId, actionId, channel: 'whatsapp', at: new Date() };
  if (counts.sent) await insertSends(stack.sql, { ...base, status: 'SENT', count: counts.sent });
  if (counts.failed) await insertSends(stack.sql, { ...base, status: 'FAILED', reason: '5xx', count: counts.failed });
}
