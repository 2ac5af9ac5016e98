import net from 'node:net';
import { isWebhookEvent, WEBHOOK_EVENTS } from '../events/events.js';
import type { WebhookSettings } from '../infra/config/config.js';
import { AppError, InputReason } from '../infra/errors.js';
import { forbiddenAddressReason, hostOf } from '../infra/http/outbound-guard.js';
import { WEBHOOK_LIMITS } from './webhooks.model.js';

/**
 * Input rules of the webhook settings, each refusal naming its field and reason. The URL checks
 * here give early, clear answers; the guard that counts runs on every connection
 * (infra/http/outbound-guard.ts), since a name that is public today may resolve elsewhere tomorrow.
 */

/** Host names that always mean this machine or its network, whatever DNS says. */
const LOCAL_NAMES = /(^|\.)(localhost|localdomain|local|internal|home\.arpa)$/i;

export function validateWebhookUrl(raw: string, settings: Pick<WebhookSettings, 'allowHttp' | 'allowPrivateAddresses'>): string {
  const bad = (message: string, reason = InputReason.INVALID_VALUE) => AppError.badInput('url', reason, message);
  const value = raw.trim();
  if (value.length === 0) throw bad('Enter the URL the events are posted to.');
  if (value.length > WEBHOOK_LIMITS.maxUrlLength) {
    throw bad(`The URL is ${value.length} characters long; at most ${WEBHOOK_LIMITS.maxUrlLength} are allowed.`, InputReason.TOO_LONG);
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f\s]/.test(value)) throw bad('The URL may not contain spaces or control characters.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('This is not a valid URL; it should look like https://example.com/webhooks.');
  }
  const schemes = settings.allowHttp ? 'https:// (or http://, allowed on this server for tests)' : 'https://';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && settings.allowHttp)) {
    throw bad(`The URL must start with ${schemes}; ${url.protocol}// is not accepted.`);
  }
  if (url.username || url.password) throw bad('The URL may not carry a user name or password; authenticate deliveries with the signing secret.');
  if (url.hash) throw bad('The URL may not have a #fragment.');
  if (!settings.allowPrivateAddresses) {
    const host = hostOf(url);
    if (net.isIP(host)) {
      const reason = forbiddenAddressReason(host);
      if (reason) throw bad(`Webhooks are only delivered to public addresses: ${reason}.`);
    } else if (LOCAL_NAMES.test(host) || !host.includes('.')) {
      throw bad(`Webhooks are only delivered to public host names; ${host} is a local name.`);
    }
  }
  return url.toString();
}

export function validateWebhookEvents(events: readonly string[]): string[] {
  const known = Object.keys(WEBHOOK_EVENTS);
  if (events.length === 0) {
    throw AppError.badInput('events', InputReason.INVALID_VALUE, `Choose at least one event: ${known.join(', ')}.`);
  }
  for (const name of events) {
    if (!isWebhookEvent(name)) {
      const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
      throw AppError.badInput('events', InputReason.INVALID_VALUE, `"${shown}" is not an event webhooks can receive; choose from ${known.join(', ')}.`);
    }
  }
  return [...new Set(events)];
}
