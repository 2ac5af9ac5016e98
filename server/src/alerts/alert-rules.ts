import type { Counts } from '../stats/stats.repository.js';
import { successRate } from '../stats/stats.service.js';

/** The alert rules of the PRD (sections 12 and 12.6), evaluated every minute per account. */
export enum AlertRule {
  SUCCESS_RATE_1H = 'SUCCESS_RATE_1H',
  FAILURES_5XX_15M = 'FAILURES_5XX_15M',
  WEEK_OVER_WEEK_DROP = 'WEEK_OVER_WEEK_DROP',
  ROLLBACK_24H = 'ROLLBACK_24H',
}

/** Whole UTC hours the rollback rule must see below its threshold, one after another. */
export const SUSTAINED_HOURS = 24;

/** What the rules read for one account at one moment. */
export interface AlertMetrics {
  lastHour: Counts;
  failures5xxLast15Min: number;
  /** The last SUSTAINED_HOURS whole UTC hours before the current one, oldest first (zeros where nothing finished). */
  wholeHours: Counts[];
  thisWeek: Counts;
  previousWeek: Counts;
}

export interface RuleDefinition {
  rule: AlertRule;
  title: string;
  description: string;
  threshold: number;
  /** Owner the PRD names for the page. */
  audience: string;
  /** Over what the rule is computed, for the people who act on it (it names the minimum volume). */
  basis(minSends: number): string;
  /** The measured value as the banner prints it. */
  format(value: number): string;
  /**
   * The sends behind an evaluation at `at`: its window and, for a rule about one failure reason,
   * that reason. The admin links a firing alert to the failed sends of this window.
   */
  window(at: Date): { from: Date; to: Date; reason: string | null };
  /** The measured value (null: not enough data), and whether it breaks the rule. */
  evaluate(m: AlertMetrics, minSends: number): { value: number | null; firing: boolean };
}

const total = (c: Counts) => c.sent + c.failed;
const sum = (list: Counts[]): Counts => list.reduce((a, c) => ({ sent: a.sent + c.sent, failed: a.failed + c.failed }), { sent: 0, failed: 0 });
/** A rate over too few sends says little; below `minSends` a rate rule stays quiet. */
const rateOf = (c: Counts, minSends: number) => (total(c) >= minSends ? successRate(c) : null);
const percent = (v: number) => `${Math.round(v * 10) / 10}%`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The `minutes` before `at`; the `hours` whole UTC hours before `at`'s hour (the rollups' hours). */
const minutesBefore = (at: Date, minutes: number) => ({ from: new Date(at.getTime() - minutes * MINUTE), to: at, reason: null });
const wholeHoursBefore = (at: Date, hours: number) => {
  const to = new Date(Math.floor(at.getTime() / HOUR) * HOUR);
  return { from: new Date(to.getTime() - hours * HOUR), to, reason: null };
};
const sends = (n: number) => `${n} finished ${n === 1 ? 'send' : 'sends'}`;

export const ALERT_RULES: readonly RuleDefinition[] = [
  {
    rule: AlertRule.SUCCESS_RATE_1H,
    title: 'Send success rate below 90% over the last hour',
    description: 'ai_agent_attachment_sent / (sent + send_failed) over a rolling 1 h window is below 90%.',
    threshold: 90,
    audience: 'Hadiningbot on-call',
    basis: (minSends) => `Sends that finished in the 60 minutes before the check; quiet under ${sends(minSends)}.`,
    format: percent,
    window: (at) => minutesBefore(at, 60),
    evaluate(m, minSends) {
      const value = rateOf(m.lastHour, minSends);
      return { value, firing: value !== null && value < 90 };
    },
  },
  {
    rule: AlertRule.FAILURES_5XX_15M,
    title: 'More than 20 ChatService 5xx failures in 15 minutes',
    description: 'Sends that failed with reason 5xx (after 3 attempts) in the last 15 minutes exceed 20.',
    threshold: 20,
    audience: 'Eng on-call',
    basis: () => 'Sends that failed with a ChatService 5xx after all 3 attempts, finished in the 15 minutes before the check.',
    format: (v) => `${v} ${v === 1 ? 'failure' : 'failures'}`,
    window: (at) => ({ ...minutesBefore(at, 15), reason: '5xx' }),
    evaluate(m) {
      return { value: m.failures5xxLast15Min, firing: m.failures5xxLast15Min > 20 };
    },
  },
  {
    rule: AlertRule.WEEK_OVER_WEEK_DROP,
    title: 'Success rate down more than 5 points week over week',
    description: 'The last 7 days’ success rate is more than 5 percentage points below the 7 days before. Investigate within 48 h.',
    threshold: 5,
    audience: 'PM (Hadiningbot Squad)',
    basis: (minSends) =>
      `The success rate of the last 7 days (whole UTC hours) against the 7 days before, each over at least ${sends(minSends)}.`,
    format: (v) => `${Math.round(v * 10) / 10} points lower`,
    window: (at) => wholeHoursBefore(at, 7 * 24),
    evaluate(m, minSends) {
      const now = rateOf(m.thisWeek, minSends);
      const before = rateOf(m.previousWeek, minSends);
      if (now === null || before === null) return { value: null, firing: false };
      const drop = Math.round((before - now) * 100) / 100;
      return { value: drop, firing: drop > 5 };
    },
  },
  {
    rule: AlertRule.ROLLBACK_24H,
    title: 'Success rate below 80% for 24 hours: rollback advised',
    description:
      'Every one of the last 24 whole hours had a success rate below 80%. The PM should turn the ai_agent_send_attachment_action flag off for this account while root-causing.',
    threshold: 80,
    audience: 'PM (Hadiningbot Squad)',
    basis: (minSends) =>
      `Each of the last ${SUSTAINED_HOURS} whole UTC hours on its own, each needing at least ${sends(minSends)}: an hour with fewer, ` +
      'or one at 80% or better, keeps it quiet. The value is the rate over those hours.',
    format: (v) => `${percent(v)} over the last ${SUSTAINED_HOURS} whole hours`,
    window: (at) => wholeHoursBefore(at, SUSTAINED_HOURS),
    evaluate(m, minSends) {
      // Sustained means every hour: one bad hour, or a burst of failures from an account that
      // started sending minutes ago, is the 1-hour rule's business, not a rollback.
      const hourly = m.wholeHours.map((h) => rateOf(h, minSends));
      const sustained = hourly.length === SUSTAINED_HOURS && hourly.every((rate) => rate !== null && rate < 80);
      return { value: rateOf(sum(m.wholeHours), minSends), firing: sustained };
    },
  },
];

export const RULES_BY_NAME = new Map(ALERT_RULES.map((r) => [r.rule, r]));
