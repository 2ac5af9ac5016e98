import type { SendsRepository } from '../sends/sends.repository.js';
import { Permission, Role, SEND_ATTACHMENT_FLAG } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import { AppError, InputReason } from '../infra/errors.js';
import { SEND_REASONS, sendReasonLabel } from '../sends/failure-reasons.js';
import { isUuid } from '../infra/ids.js';
import type { BucketUnit, Counts, StatsRepository, StatsScope } from './stats.repository.js';

/** The PRD's primary KPI target: 95% of sends succeed. */
export const SUCCESS_RATE_TARGET = 95;
/** Hourly buckets over a year would be 8,760 points; charts need far fewer. */
export const MAX_BUCKETS = 1000;

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const UNIT_MS: Record<BucketUnit, number> = { hour: HOUR, day: DAY, week: WEEK };

/** sent / (sent + failed) × 100, to two decimals; null when nothing finished. */
export function successRate({ sent, failed }: Counts): number | null {
  const total = sent + failed;
  return total === 0 ? null : Math.round((sent / total) * 10_000) / 100;
}

const withRate = <T extends Counts>(row: T) => ({ ...row, successRate: successRate(row) });

/** Start of the UTC hour, day or ISO week (Monday) holding `date`. */
export function bucketStart(date: Date, unit: BucketUnit): Date {
  const d = new Date(date);
  d.setUTCMinutes(0, 0, 0);
  if (unit === 'hour') return d;
  d.setUTCHours(0);
  if (unit === 'day') return d;
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

export interface StatsArgs {
  from: Date;
  to: Date;
  bucket: BucketUnit;
  agentId?: string | null;
  channel?: string | null;
  /** OPS only: one account; omitted, all accounts. */
  accountId?: string | null;
}

export class StatsService {
  constructor(
    private readonly stats: StatsRepository,
    /** For the count of files sent as links: the rollups count sends, not files. */
    private readonly sends: SendsRepository,
  ) {}

  async sendStats(viewer: Viewer | null, args: StatsArgs) {
    const scope = this.scopeOf(viewer, args);
    const { from, to, bucket } = args;
    if (!(from < to)) throw AppError.badInput('to', InputReason.INVALID_VALUE, '"to" must be after "from".');
    const buckets = Math.ceil((to.getTime() - bucketStart(from, bucket).getTime()) / UNIT_MS[bucket]);
    if (buckets > MAX_BUCKETS) {
      throw AppError.badInput(
        'bucket',
        InputReason.INVALID_VALUE,
        `That range has ${buckets} ${bucket} buckets; choose a larger bucket or a shorter range (at most ${MAX_BUCKETS}).`,
      );
    }

    const [{ totals, series, reasons, channels, actions }, adoption, current, previous, filesSentAsLinks] = await Promise.all([
      this.stats.overview(scope, from, to, bucket),
      this.stats.adoption(scope.accountId),
      this.stats.totals(scope, new Date(to.getTime() - WEEK), to),
      this.stats.totals(scope, new Date(to.getTime() - 2 * WEEK), new Date(to.getTime() - WEEK)),
      this.sends.countFilesSentAsLinks(scope, from, to),
    ]);

    const byBucket = new Map(series.map((p) => [p.bucket.getTime(), p]));
    const points = [];
    for (let t = bucketStart(from, bucket).getTime(); t < to.getTime(); t = nextBucket(t, bucket)) {
      const p = byBucket.get(t);
      points.push(withRate({ bucketStart: new Date(t), sent: p?.sent ?? 0, failed: p?.failed ?? 0 }));
    }
    const currentRate = successRate(current);
    const previousRate = successRate(previous);

    return {
      from,
      to,
      ...withRate(totals),
      targetSuccessRate: SUCCESS_RATE_TARGET,
      maxBuckets: MAX_BUCKETS,
      filesSentAsLinks,
      series: points,
      reasons: reasons.map((r) => ({ ...r, label: sendReasonLabel(r.reason) })),
      channels: channels.map(withRate),
      actions: actions.map(withRate),
      adoption: {
        ...adoption,
        rate: adoption.activeAgents === 0 ? null : Math.round((adoption.adoptingAgents / adoption.activeAgents) * 10_000) / 100,
      },
      weekOverWeek: {
        current: withRate(current),
        previous: withRate(previous),
        successRateChange: currentRate !== null && previousRate !== null ? Math.round((currentRate - previousRate) * 100) / 100 : null,
        sendsChangePercent:
          previous.sent + previous.failed === 0
            ? null
            : Math.round(((current.sent + current.failed) / (previous.sent + previous.failed) - 1) * 10_000) / 100,
      },
    };
  }

  /** Every failure reason with its words, for whoever may read sends. */
  failureReasons(viewer: Viewer | null) {
    requirePermission(viewer, Permission.HISTORY_READ);
    return Object.entries(SEND_REASONS).map(([reason, { label, description }]) => ({ reason, label, description }));
  }

  /** Folds pending deltas into the rollups; run every minute by the stats.fold job. */
  fold(): Promise<number> {
    return this.stats.fold();
  }

  /** OPS: every account with its flag state and the last 7 days' success rate. */
  async accountsOverview(viewer: Viewer | null, now = new Date()) {
    requirePermission(viewer, Permission.FLAGS_WRITE);
    const rows = await this.stats.accountsOverview(new Date(now.getTime() - WEEK), now, SEND_ATTACHMENT_FLAG);
    return rows.map((row) => ({ ...withRate(row), flag: SEND_ATTACHMENT_FLAG }));
  }

  private scopeOf(viewer: Viewer | null, args: StatsArgs): StatsScope {
    const me = requirePermission(viewer, Permission.HISTORY_READ);
    let accountId: string | null = me.accountId;
    if (me.role === Role.OPS) accountId = args.accountId ?? null;
    else if (args.accountId && args.accountId !== me.accountId) throw AppError.notFound('account');
    if (args.accountId && !isUuid(args.accountId)) throw AppError.notFound('account');
    if (args.agentId && !isUuid(args.agentId)) throw AppError.notFound('agent');
    return {
      accountId,
      agentId: args.agentId ?? undefined,
      channel: args.channel ?? undefined,
    };
  }
}

function nextBucket(t: number, unit: BucketUnit): number {
  return t + UNIT_MS[unit];
}
