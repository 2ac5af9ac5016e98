import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../infra/db/db.js';

/** Which rows a statistic covers: one account, or every account (OPS). */
export interface StatsScope {
  accountId: string | null;
  agentId?: string;
  channel?: string;
}

export type BucketUnit = 'hour' | 'day' | 'week';
const UNITS: readonly BucketUnit[] = ['hour', 'day', 'week'];

export interface Counts {
  sent: number;
  failed: number;
}

export interface Overview {
  totals: Counts;
  series: ({ bucket: Date } & Counts)[];
  reasons: { reason: string; count: number }[];
  channels: ({ channel: string | null } & Counts)[];
  actions: ({ actionId: string; agentId: string; actionName: string | null } & Counts)[];
}

/**
 * Every account's finished sends per hour, folded or not: the hourly rollups plus the deltas
 * still waiting for the stats.fold job. Rows may repeat a key; readers sum them.
 */
export const HOURLY_OUTCOMES = sql`(select account_id, hour, sent, failed from send_rollups_hourly
  union all select account_id, hour, sent, failed from send_rollup_deltas)`;

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const floorTo = (d: Date, ms: number) => new Date(Math.floor(d.getTime() / ms) * ms);
const ceilTo = (d: Date, ms: number) => new Date(Math.ceil(d.getTime() / ms) * ms);

/**
 * Every dashboard query reads the rollups kept by the `sends_rollup` trigger, never raw sends.
 * Ranges count whole UTC hours: [hour of `from`, `to`). Where hourly detail is not asked for,
 * the whole days inside the range come from the daily rollups (24 times fewer rows) and only
 * the partial days at either end from the hourly ones.
 */
export class StatsRepository {
  constructor(private readonly db: DbOrTx) {}

  private filters(scope: StatsScope, alias: string): SQL[] {
    const col = (c: string) => sql.raw(`${alias}.${c}`);
    const parts: SQL[] = [];
    if (scope.accountId) parts.push(sql`${col('account_id')} = ${scope.accountId}`);
    if (scope.agentId) parts.push(sql`${col('agent_id')} = ${scope.agentId}`);
    if (scope.channel !== undefined) parts.push(sql`${col('channel')} = ${scope.channel}`);
    return parts;
  }

  /** `table`'s rows with `slot` in [start, end), as (t, agent_id, action_id, channel, reason, sent, failed). */
  private slice(table: 'send_rollups_hourly' | 'send_rollups_daily' | 'send_rollup_deltas', slot: 'hour' | 'day', scope: StatsScope, start: Date, end: Date): SQL {
    const where = sql.join(
      [
        sql`x.${sql.raw(slot)} >= ${start.toISOString()}::timestamptz`,
        sql`x.${sql.raw(slot)} < ${end.toISOString()}::timestamptz`,
        ...this.filters(scope, 'x'),
      ],
      sql` and `,
    );
    return sql`select x.${sql.raw(slot)} as t, x.agent_id, x.action_id, x.channel, x.reason, x.sent, x.failed
      from ${sql.raw(table)} x where ${where}`;
  }

  /** Counted outcomes in range: rollups, plus the deltas not folded into them yet. */
  private source(scope: StatsScope, from: Date, to: Date, hourlyOnly: boolean): SQL {
    const start = floorTo(from, HOUR);
    const pending = this.slice('send_rollup_deltas', 'hour', scope, start, to);
    const firstDay = ceilTo(start, DAY);
    const lastDay = floorTo(to, DAY);
    if (hourlyOnly || firstDay >= lastDay) {
      return sql`${this.slice('send_rollups_hourly', 'hour', scope, start, to)} union all ${pending}`;
    }
    return sql`${this.slice('send_rollups_hourly', 'hour', scope, start, firstDay)}
      union all ${this.slice('send_rollups_daily', 'day', scope, firstDay, lastDay)}
      union all ${this.slice('send_rollups_hourly', 'hour', scope, lastDay, to)}
      union all ${pending}`;
  }

  /** Moves pending deltas into the rollups (the stats.fold job); returns how many moved. */
  async fold(): Promise<number> {
    const [row] = await this.db.execute<{ moved: string }>(sql`select fold_send_rollups() as moved`);
    return Number(row!.moved);
  }

  async totals(scope: StatsScope, from: Date, to: Date): Promise<Counts> {
    const [row] = await this.db.execute<{ sent: string; failed: string }>(sql`
      select coalesce(sum(r.sent), 0) as sent, coalesce(sum(r.failed), 0) as failed
      from (${this.source(scope, from, to, false)}) r`);
    return { sent: Number(row!.sent), failed: Number(row!.failed) };
  }

  /** Totals, series, reasons, channels and actions in one pass over the rollups (GROUPING SETS). */
  async overview(scope: StatsScope, from: Date, to: Date, unit: BucketUnit): Promise<Overview> {
    if (!UNITS.includes(unit)) throw new Error(`unknown bucket unit ${unit}`);
    // A literal, not a parameter: GROUP BY must see the same expression as the select list.
    const bucket = sql.raw(`date_trunc('${unit}', r.t, 'UTC')`);
    const rows = await this.db.execute<{
      g: number; bucket: string | null; reason: string | null; channel: string | null;
      action_id: string | null; agent_id: string | null; sent: string; failed: string;
    }>(sql`
      select grouping(${bucket}, r.reason, r.channel, r.action_id, r.agent_id) as g,
             ${bucket} as bucket, r.reason, r.channel, r.action_id, r.agent_id,
             sum(r.sent) as sent, sum(r.failed) as failed
      from (${this.source(scope, from, to, unit === 'hour')}) r
      group by grouping sets ((${bucket}), (r.reason), (r.channel), (r.action_id, r.agent_id), ())`);

    // grouping() sets a bit for each argument NOT grouped in that row's set (first argument = 16).
    const SET = { series: 0b01111, reason: 0b10111, channel: 0b11011, action: 0b11100, total: 0b11111 };
    const counts = (r: { sent: string; failed: string }) => ({ sent: Number(r.sent), failed: Number(r.failed) });
    const of = (g: number) => rows.filter((r) => Number(r.g) === g);
    const byVolume = <T extends Counts>(a: T, b: T) => b.sent + b.failed - (a.sent + a.failed);

    const actionRows = of(SET.action);
    const names = await this.actionNames(actionRows.map((r) => r.action_id!));
    const total = of(SET.total)[0];
    return {
      totals: total ? counts(total) : { sent: 0, failed: 0 },
      series: of(SET.series)
        .map((r) => ({ bucket: new Date(r.bucket!), ...counts(r) }))
        .sort((a, b) => a.bucket.getTime() - b.bucket.getTime()),
      reasons: of(SET.reason)
        .filter((r) => Number(r.failed) > 0)
        .map((r) => ({ reason: r.reason!, count: Number(r.failed) }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
      channels: of(SET.channel)
        .map((r) => ({ channel: r.channel || null, ...counts(r) }))
        .sort((a, b) => byVolume(a, b) || String(a.channel).localeCompare(String(b.channel))),
      actions: actionRows
        .map((r) => ({ actionId: r.action_id!, agentId: r.agent_id!, actionName: names.get(r.action_id!) ?? null, ...counts(r) }))
        .sort((a, b) => byVolume(a, b) || String(a.actionName).localeCompare(String(b.actionName))),
    };
  }

  private async actionNames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.execute<{ id: string; name: string }>(
      sql`select id, name from actions where id in ${ids}`,
    );
    return new Map(rows.map((r) => [r.id, r.name]));
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
      left join ${HOURLY_OUTCOMES} r on r.account_id = acc.id
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
