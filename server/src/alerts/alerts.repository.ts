import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { lockUntilCommit, type DbOrTx } from '../infra/db/db.js';
import { cursorText, olderThan, type TimeCursor } from '../infra/db/keyset.js';
import { accounts, alertEvents, alertStates } from '../infra/db/schema.js';
import { HOURLY_OUTCOMES, type Counts } from '../stats/stats.repository.js';
import { SUSTAINED_HOURS, type AlertMetrics } from './alert-rules.js';

export type AlertStateRow = typeof alertStates.$inferSelect;
export type AlertEventRow = typeof alertEvents.$inferSelect;

const ZERO: Counts = { sent: 0, failed: 0 };

export class AlertsRepository {
  constructor(private readonly db: DbOrTx) {}

  with(db: DbOrTx): AlertsRepository {
    return new AlertsRepository(db);
  }

  /** Serialises evaluations: the schedule and a manual run must not both fire an alert. */
  async lockEvaluation() {
    await lockUntilCommit(this.db, 'alerts.evaluate');
  }

  /**
   * Metrics of every account that finished a send in the last 14 days or has a firing alert.
   * Short windows (15 min, 1 h) read finished sends by completion time; the 24 whole hours and
   * the weeks read the hourly rollups (whole UTC hours).
   */
  async metrics(now: Date): Promise<Map<string, AlertMetrics>> {
    const ts = now.toISOString();
    const recent = await this.db.execute<{ account_id: string; sent_1h: string; failed_1h: string; failed_5xx_15m: string }>(sql`
      select account_id,
             count(*) filter (where status = 'SENT') as sent_1h,
             count(*) filter (where status = 'FAILED') as failed_1h,
             count(*) filter (where status = 'FAILED' and reason = '5xx'
                              and completed_at > ${ts}::timestamptz - interval '15 minutes') as failed_5xx_15m
      from sends
      where completed_at > ${ts}::timestamptz - interval '1 hour' and completed_at <= ${ts}::timestamptz
        and not is_test -- a builder's tests are not the account's traffic
      group by account_id`);
    const weeks = await this.db.execute<{ account_id: string; sent_w: string; failed_w: string; sent_pw: string; failed_pw: string }>(sql`
      with h as (select date_trunc('hour', ${ts}::timestamptz, 'UTC') as now_hour)
      select r.account_id,
        coalesce(sum(r.sent) filter (where r.hour > h.now_hour - interval '7 days'), 0) as sent_w,
        coalesce(sum(r.failed) filter (where r.hour > h.now_hour - interval '7 days'), 0) as failed_w,
        coalesce(sum(r.sent) filter (where r.hour <= h.now_hour - interval '7 days'), 0) as sent_pw,
        coalesce(sum(r.failed) filter (where r.hour <= h.now_hour - interval '7 days'), 0) as failed_pw
      from ${HOURLY_OUTCOMES} r, h
      where r.hour > h.now_hour - interval '14 days' and r.hour <= h.now_hour
      group by r.account_id`);
    // The whole hours before the current one, each on its own (1 = the hour just ended).
    const hours = await this.db.execute<{ account_id: string; hours_ago: number; sent: string; failed: string }>(sql`
      with h as (select date_trunc('hour', ${ts}::timestamptz, 'UTC') as now_hour)
      select r.account_id, (extract(epoch from h.now_hour - r.hour) / 3600)::int as hours_ago,
             sum(r.sent) as sent, sum(r.failed) as failed
      from ${HOURLY_OUTCOMES} r, h
      where r.hour >= h.now_hour - make_interval(hours => ${SUSTAINED_HOURS}) and r.hour < h.now_hour
      group by r.account_id, r.hour, h.now_hour`);
    const firing = await this.db
      .select({ accountId: alertStates.accountId })
      .from(alertStates)
      .where(eq(alertStates.firing, true));

    const result = new Map<string, AlertMetrics>();
    const entry = (accountId: string) => {
      let m = result.get(accountId);
      if (!m) {
        m = {
          lastHour: ZERO,
          failures5xxLast15Min: 0,
          wholeHours: Array.from({ length: SUSTAINED_HOURS }, () => ZERO),
          thisWeek: ZERO,
          previousWeek: ZERO,
        };
        result.set(accountId, m);
      }
      return m;
    };
    for (const r of recent) {
      const m = entry(r.account_id);
      m.lastHour = { sent: Number(r.sent_1h), failed: Number(r.failed_1h) };
      m.failures5xxLast15Min = Number(r.failed_5xx_15m);
    }
    for (const r of weeks) {
      const m = entry(r.account_id);
      m.thisWeek = { sent: Number(r.sent_w), failed: Number(r.failed_w) };
      m.previousWeek = { sent: Number(r.sent_pw), failed: Number(r.failed_pw) };
    }
    for (const r of hours) {
      entry(r.account_id).wholeHours[SUSTAINED_HOURS - Number(r.hours_ago)] = { sent: Number(r.sent), failed: Number(r.failed) };
    }
    for (const f of firing) entry(f.accountId);
    return result;
  }

  async states(accountId: string | null): Promise<AlertStateRow[]> {
    return this.db
      .select()
      .from(alertStates)
      .where(accountId ? eq(alertStates.accountId, accountId) : undefined);
  }

  /** A rule that started or stopped firing (`flipped`) loses its acknowledgement: that was for the last episode. */
  async upsertState(row: Omit<AlertStateRow, 'acknowledgedAt' | 'acknowledgedBy'>, flipped: boolean) {
    await this.db
      .insert(alertStates)
      .values(row)
      .onConflictDoUpdate({
        target: [alertStates.accountId, alertStates.rule],
        set: {
          firing: row.firing,
          value: row.value,
          since: row.since,
          evaluatedAt: row.evaluatedAt,
          ...(flipped ? { acknowledgedAt: null, acknowledgedBy: null } : {}),
        },
      });
  }

  /**
   * Marks a firing, not yet acknowledged alert as acknowledged; the row is returned either way
   * (null: no such state, or it is not firing). The row lock orders it against an evaluation
   * that clears the rule at the same moment.
   */
  async acknowledge(accountId: string, rule: string, by: string, at: Date): Promise<{ state: AlertStateRow | null; changed: boolean }> {
    const [updated] = await this.db
      .update(alertStates)
      .set({ acknowledgedAt: at, acknowledgedBy: by })
      .where(and(eq(alertStates.accountId, accountId), eq(alertStates.rule, rule), eq(alertStates.firing, true), isNull(alertStates.acknowledgedAt)))
      .returning();
    if (updated) return { state: updated, changed: true };
    const [current] = await this.db
      .select()
      .from(alertStates)
      .where(and(eq(alertStates.accountId, accountId), eq(alertStates.rule, rule)));
    return { state: current?.firing ? current : null, changed: false };
  }

  async insertEvent(row: typeof alertEvents.$inferInsert): Promise<AlertEventRow> {
    const [inserted] = await this.db.insert(alertEvents).values(row).returning();
    return inserted!;
  }

  async findEvent(id: string) {
    const [row] = await this.db
      .select({ event: alertEvents, accountName: accounts.name })
      .from(alertEvents)
      .innerJoin(accounts, eq(accounts.id, alertEvents.accountId))
      .where(eq(alertEvents.id, id));
    return row;
  }

  async recordDelivery(id: string, error: string | null) {
    await this.db
      .update(alertEvents)
      .set({
        deliveryAttempts: sql`${alertEvents.deliveryAttempts} + 1`,
        lastDeliveryError: error,
        ...(error === null ? { deliveredAt: new Date() } : {}),
      })
      .where(eq(alertEvents.id, id));
  }

  /**
   * Events newest first: one account's or (null) every account's, after the event `beforeId`
   * when given (its created_at read as text, so microseconds count). undefined: `beforeId` is not one of them.
   */
  async recentEvents(accountId: string | null, limit: number, beforeId: string | null) {
    const scope = accountId ? eq(alertEvents.accountId, accountId) : undefined;
    let after: TimeCursor | null = null;
    if (beforeId !== null) {
      const [anchor] = await this.db
        .select({ createdAt: cursorText(alertEvents.createdAt), id: alertEvents.id })
        .from(alertEvents)
        .where(and(scope, eq(alertEvents.id, beforeId)));
      if (!anchor) return undefined;
      after = anchor;
    }
    return this.db
      .select({ event: alertEvents, accountName: accounts.name })
      .from(alertEvents)
      .innerJoin(accounts, eq(accounts.id, alertEvents.accountId))
      .where(and(scope, olderThan(alertEvents.createdAt, alertEvents.id, after)))
      .orderBy(desc(alertEvents.createdAt), desc(alertEvents.id))
      .limit(limit);
  }

  async accountNames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .select({ id: accounts.id, name: accounts.name })
      .from(accounts)
      .where(sql`${accounts.id} in ${ids}`);
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
