import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../infra/db/db.js';

/** Which rows a statistic covers: one account, or every account (OPS). */
export interface StatsScope {
  accountId: string | null;
  agentId?: string;
  channel?: string;
}

export type BucketUnit = 'hour' | 'day' | 'week';

export interface Counts {
  sent: number;
  failed: number;
}

/**
 * Every dashboard query reads the hourly rollups (send_rollups_hourly), never raw sends,
 * so a year of sends costs at most 8,760 rows per dimension. Hours are UTC.
 */
export class StatsRepository {
  constructor(private readonly db: DbOrTx) {}

  private where(scope: StatsScope, from: Date, to: Date): SQL {
    const parts = [sql`r.hour >= date_trunc('hour', ${from.toISOString()}::timestamptz, 'UTC')`, sql`r.hour < ${to.toISOString()}::timestamptz`];
    if (scope.accountId) parts.push(sql`r.account_id = ${scope.accountId}`);
    if (scope.agentId) parts.push(sql`r.agent_id = ${scope.agentId}`);
    if (scope.channel !== undefined) parts.push(sql`r.channel = ${scope.channel}`);
    return sql.join(parts, sql` and `);
  }

  async totals(scope: StatsScope, from: Date, to: Date): Promise<Counts> {
    const [row] = await this.db.execute<{ sent: string; failed: string }>(sql`
      select coalesce(sum(r.sent), 0) as sent, coalesce(sum(r.failed), 0) as failed
      from send_rollups_hourly r where ${this.where(scope, from, to)}`);
    return { sent: Number(row!.sent), failed: Number(row!.failed) };
  }

  async series(scope: StatsScope, from: Date, to: Date, unit: BucketUnit) {
    // `unit` is one of three literals from the StatsBucket enum, never user text.
    const rows = await this.db.execute<{ bucket: string; sent: string; failed: string }>(sql`
      select date_trunc(${unit}, r.hour, 'UTC') as bucket, sum(r.sent) as sent, sum(r.failed) as failed
      from send_rollups_hourly r where ${this.where(scope, from, to)}
      group by 1 order by 1`);
    return rows.map((r) => ({ bucket: new Date(r.bucket), sent: Number(r.sent), failed: Number(r.failed) }));
  }

  async reasons(scope: StatsScope, from: Date, to: Date) {
    const rows = await this.db.execute<{ reason: string; count: string }>(sql`
      select r.reason, sum(r.failed) as count from send_rollups_hourly r
      where ${this.where(scope, from, to)} and r.failed > 0
      group by r.reason order by count desc, r.reason`);
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
  }

  async byChannel(scope: StatsScope, from: Date, to: Date) {
    const rows = await this.db.execute<{ channel: string; sent: string; failed: string }>(sql`
      select r.channel, sum(r.sent) as sent, sum(r.failed) as failed from send_rollups_hourly r
      where ${this.where(scope, from, to)} group by r.channel order by sum(r.sent + r.failed) desc, r.channel`);
    return rows.map((r) => ({ channel: r.channel || null, sent: Number(r.sent), failed: Number(r.failed) }));
  }

  async byAction(scope: StatsScope, from: Date, to: Date) {
    const rows = await this.db.execute<{ action_id: string; agent_id: string; name: string | null; sent: string; failed: string }>(sql`
      select r.action_id, r.agent_id, a.name, sum(r.sent) as sent, sum(r.failed) as failed
      from send_rollups_hourly r left join actions a on a.id = r.action_id
      where ${this.where(scope, from, to)}
      group by r.action_id, r.agent_id, a.name order by sum(r.sent + r.failed) desc, a.name`);
    return rows.map((r) => ({
      actionId: r.action_id,
      agentId: r.agent_id,
      actionName: r.name,
      sent: Number(r.sent),
      failed: Number(r.failed),
    }));
  }

  /** Active agents, and those with at least one enabled, live Send Attachment action. */
  async adoption(accountId: string | null) {
    const [row] = await this.db.execute<{ active: string; adopting: string }>(sql`
      select count(*) as active,
             count(*) filter (where exists (
               select 1 from actions a where a.agent_id = g.id and a.enabled and a.deleted_at is null
             )) as adopting
      from agents g where g.active ${accountId ? sql`and g.account_id = ${accountId}` : sql``}`);
    return { activeAgents: Number(row!.active), adoptingAgents: Number(row!.adopting) };
  }

  /** Per account: name, flag state and counts over [from, to), for the OPS overview. */
  async accountsOverview(from: Date, to: Date, flag: string) {
    const rows = await this.db.execute<{ id: string; name: string; flag: boolean | null; sent: string; failed: string }>(sql`
      select acc.id, acc.name, f.enabled as flag,
             coalesce(sum(r.sent), 0) as sent, coalesce(sum(r.failed), 0) as failed
      from accounts acc
      left join feature_flags f on f.account_id = acc.id and f.flag = ${flag}
      left join send_rollups_hourly r on r.account_id = acc.id
        and r.hour >= date_trunc('hour', ${from.toISOString()}::timestamptz, 'UTC') and r.hour < ${to.toISOString()}::timestamptz
      group by acc.id, acc.name, f.enabled
      order by acc.name, acc.id`);
    return rows.map((r) => ({
      accountId: r.id,
      accountName: r.name,
      flagEnabled: r.flag ?? false,
      sent: Number(r.sent),
      failed: Number(r.failed),
    }));
  }
}
