import type { Counts } from '../stats/stats.repository.js';
import { successRate } from '../stats/stats.service.js';

/** The alert rules of the PRD (sections 12 and 12.6), evaluated every minute per account. */
export enum AlertRule {
  SUCCESS_RATE_1H = 'SUCCESS_RATE_1H',
  FAILURES_5XX_15M = 'FAILURES_5XX_15M',
  WEEK_OVER_WEEK_DROP = 'WEEK_OVER_WEEK_DROP',
  ROLLBACK_24H = 'ROLLBACK_24H',
}

/** What the rules read for one account at one moment. */
export interface AlertMetrics {
  lastHour: Counts;
  failures5xxLast15Min: number;
  last24Hours: Counts;
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
  /** The measured value (null: not enough data), and whether it breaks the rule. */
  evaluate(m: AlertMetrics, minSends: number): { value: number | null; firing: boolean };
}

const total = (c: Counts) => c.sent + c.failed;
/** A rate over too few sends says little; below `minSends` a rate rule stays quiet. */
const rateOf = (c: Counts, minSends: number) => (total(c) >= minSends ? successRate(c) : null);

export const ALERT_RULES: readonly RuleDefinition[] = [
  {
    rule: AlertRule.SUCCESS_RATE_1H,
    title: 'Send success rate below 90% over the last hour',
    description: 'ai_agent_attachment_sent / (sent + send_failed) over a rolling 1 h window is below 90%.',
    threshold: 90,
    audience: 'Hadiningbot on-call',
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
      'The success rate over the last 24 hours is below 80%. The PM should turn the ai_agent_send_attachment_action flag off for this account while root-causing.',
    threshold: 80,
    audience: 'PM (Hadiningbot Squad)',
    evaluate(m, minSends) {
      const value = rateOf(m.last24Hours, minSends);
      return { value, firing: value !== null && value < 80 };
    },
  },
];

export const RULES_BY_NAME = new Map(ALERT_RULES.map((r) => [r.rule, r]));
