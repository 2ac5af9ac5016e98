import type { AlertEventRow } from './alerts.repository.js';
import type { RuleDefinition } from './alert-rules.js';

/** A Slack-compatible incoming-webhook body: `text` for Slack, `alert` for machines. */
export function slackMessage(event: AlertEventRow, accountName: string, rule: RuleDefinition | undefined) {
  const icon = event.kind === 'FIRED' ? ':rotating_light:' : ':white_check_mark:';
  const value = event.value === null ? '' : ` (value ${event.value}, threshold ${rule?.threshold ?? '?'})`;
  return {
    text: `${icon} [${event.kind}] ${rule?.title ?? event.rule}: ${accountName}${value}${rule ? ` for ${rule.audience}` : ''}`,
    alert: {
      id: event.id,
      rule: event.rule,
      state: event.kind,
      accountId: event.accountId,
      accountName,
      value: event.value,
      threshold: rule?.threshold ?? null,
      at: event.createdAt.toISOString(),
    },
  };
}

/** POSTs JSON with a timeout; any non-2xx answer is an error. */
export async function postToWebhook(url: string, body: unknown, timeoutMs = 5000): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`webhook answered ${res.status}`);
}
