import { Permission, Role } from '../accounts/roles.js';
import { actorOf, requirePermission, type Viewer } from '../accounts/viewer.js';
import type { Config } from '../infra/config/config.js';
import { inTransaction, type Database } from '../infra/db/db.js';
import { AppError, ErrorCode, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import type { Logger } from '../infra/log/logger.js';
import { enqueueInTransaction, JOBS, type Queue } from '../infra/queue/queue.js';
import { ALERT_RULES, RULES_BY_NAME, type AlertRule, type RuleDefinition } from './alert-rules.js';
import type { AlertEventRow, AlertStateRow, AlertsRepository } from './alerts.repository.js';
import { postToWebhook, slackMessage } from './webhook.js';

export type AlertsConfig = Pick<Config, 'alertWebhookUrl' | 'alertMinSends' | 'alertWebhookRetryDelaySeconds'>;

export class AlertsService {
  constructor(
    private readonly database: Database,
    private readonly alerts: AlertsRepository,
    private readonly queue: Queue,
    private readonly config: AlertsConfig,
    private readonly log: Logger,
  ) {}

  /**
   * Evaluates every rule for every account with recent sends. A rule that starts or stops
   * firing writes one event and, when a webhook is configured, queues its delivery in the
   * same transaction, so each transition is posted exactly once.
   */
  async evaluate(now = new Date()): Promise<{ fired: number; cleared: number }> {
    const transitions = await inTransaction(this.database, async (db) => {
      const alerts = this.alerts.with(db);
      await alerts.lockEvaluation();
      const metrics = await alerts.metrics(now);
      const states = new Map((await alerts.states(null)).map((s) => [`${s.accountId}:${s.rule}`, s]));
      const changed: AlertEventRow[] = [];
      for (const [accountId, m] of metrics) {
        for (const rule of ALERT_RULES) {
          const { value, firing } = rule.evaluate(m, this.config.alertMinSends);
          const previous = states.get(`${accountId}:${rule.rule}`);
          const flipped = (previous?.firing ?? false) !== firing;
          await alerts.upsertState(
            { accountId, rule: rule.rule, firing, value, since: flipped || !previous ? now : previous.since, evaluatedAt: now },
            flipped,
          );
          if (!flipped) continue;
          const event = await alerts.insertEvent({
            accountId,
            rule: rule.rule,
            kind: firing ? 'FIRED' : 'CLEARED',
            value,
            message: firing ? rule.title : `Resolved: ${rule.title}`,
            createdAt: now,
          });
          changed.push(event);
          if (this.config.alertWebhookUrl) {
            await enqueueInTransaction(
              this.queue,
              db,
              JOBS.ALERTS_WEBHOOK,
              { eventId: event.id },
              { retryLimit: 5, retryDelay: this.config.alertWebhookRetryDelaySeconds, retryBackoff: true },
            );
          }
        }
      }
      return changed;
    });
    const fired = transitions.filter((e) => e.kind === 'FIRED').length;
    for (const e of transitions) this.log.warn('alerts.transition', { accountId: e.accountId, rule: e.rule, kind: e.kind, value: e.value });
    return { fired, cleared: transitions.length - fired };
  }

  /** Posts one alert event to the webhook; throws on failure so pg-boss retries it. */
  async deliver(eventId: string): Promise<void> {
    const url = this.config.alertWebhookUrl;
    const found = await this.alerts.findEvent(eventId);
    if (!url || !found || found.event.deliveredAt) return;
    const rule = RULES_BY_NAME.get(found.event.rule as AlertRule);
    try {
      await postToWebhook(url, slackMessage(found.event, found.accountName, rule));
      await this.alerts.recordDelivery(eventId, null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.alerts.recordDelivery(eventId, message);
      this.log.warn('alerts.webhook_failed', { eventId, error: message });
      throw error;
    }
  }

  /** Each rule's current state: the caller's account, or (OPS) every account with a state. */
  async list(viewer: Viewer | null) {
    const me = requirePermission(viewer, Permission.HISTORY_READ);
    const scope = me.role === Role.OPS ? null : me.accountId;
    const states = await this.alerts.states(scope);
    const byKey = new Map(states.map((s) => [`${s.accountId}:${s.rule}`, s]));
    const accountIds = scope ? [scope] : [...new Set(states.map((s) => s.accountId))];
    const names = await this.alerts.accountNames(accountIds);
    return accountIds.flatMap((accountId) =>
      ALERT_RULES.map((rule) => this.stateView(accountId, names.get(accountId) ?? '', rule, byKey.get(`${accountId}:${rule.rule}`))),
    );
  }

  /** One rule's state as `alerts` serves it (no state yet: quiet, never evaluated). */
  private stateView(accountId: string, accountName: string, rule: RuleDefinition, state: AlertStateRow | undefined) {
    return {
      accountId,
      accountName,
      rule: rule.rule,
      title: rule.title,
      description: rule.description,
      threshold: rule.threshold,
      audience: rule.audience,
      basis: rule.basis(this.config.alertMinSends),
      firing: state?.firing ?? false,
      value: state?.value ?? null,
      valueText: state?.value === null || state?.value === undefined ? null : rule.format(state.value),
      since: state?.since ?? null,
      evaluatedAt: state?.evaluatedAt ?? null,
      acknowledgedAt: state?.acknowledgedAt ?? null,
      acknowledgedBy: state?.acknowledgedBy ?? null,
      window: state ? rule.window(state.evaluatedAt) : null,
    };
  }

  /**
   * Events newest first, up to 200 (`first`), after the event `before` (the last one of the
   * previous page) when given: the caller's account, or (OPS) every account.
   */
  async history(viewer: Viewer | null, limit: number, before: string | null = null) {
    const me = requirePermission(viewer, Permission.HISTORY_READ);
    const scope = me.role === Role.OPS ? null : me.accountId;
    const rows = before !== null && !isUuid(before) ? undefined : await this.alerts.recentEvents(scope, Math.min(Math.max(limit, 1), 200), before);
    if (!rows) throw AppError.badInput('before', InputReason.INVALID_VALUE, 'This is not an alert event of the list; start again without `before`.');
    return rows.map(({ event, accountName }) => {
      const rule = RULES_BY_NAME.get(event.rule as AlertRule);
      return {
        ...event,
        accountName,
        title: rule?.title ?? event.rule,
        valueText: event.value === null || !rule ? null : rule.format(event.value),
      };
    });
  }

  /**
   * Says "someone is on it" for a firing alert: recorded on its state (until the rule stops or
   * starts firing again) and as an ACKNOWLEDGED event, with who did it. Acknowledging twice
   * keeps the first. Another account's alert (unless OPS) is not found; a quiet one is refused.
   */
  async acknowledge(viewer: Viewer | null, accountId: string, ruleName: string) {
    const me = requirePermission(viewer, Permission.ALERTS_ACKNOWLEDGE);
    const rule = RULES_BY_NAME.get(ruleName as AlertRule);
    if (!rule) {
      throw AppError.badInput('rule', InputReason.INVALID_VALUE, `Unknown alert rule "${ruleName}". Rules: ${ALERT_RULES.map((r) => r.rule).join(', ')}.`);
    }
    if (!isUuid(accountId) || (me.role !== Role.OPS && accountId !== me.accountId)) throw AppError.notFound('alert');
    const actor = actorOf(me).label;
    const state = await inTransaction(this.database, async (db) => {
      const alerts = this.alerts.with(db);
      const now = new Date();
      const result = await alerts.acknowledge(accountId, rule.rule, actor, now);
      if (result.changed) {
        await alerts.insertEvent({ accountId, rule: rule.rule, kind: 'ACKNOWLEDGED', value: result.state!.value, message: `Acknowledged: ${rule.title}`, actor, createdAt: now });
      }
      return result.state;
    });
    if (!state) throw new AppError(ErrorCode.CONFLICT, 'This alert is not firing (any more), so there is nothing to acknowledge.');
    this.log.info('alerts.acknowledged', { accountId, rule: rule.rule, by: state.acknowledgedBy });
    const names = await this.alerts.accountNames([accountId]);
    return this.stateView(accountId, names.get(accountId) ?? '', rule, state);
  }
}
