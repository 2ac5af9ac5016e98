/**
 * CHAT_SERVICE_CONVERSATION_URL: where a person opens a conversation in ChatService's own
 * console, e.g. `https://chat.example.com/inbox/{channel}/{conversationId}`. The history links
 * each send's conversation id there (`Send.conversationUrl`).
 */
const PLACEHOLDERS = ['conversationId', 'channel'] as const;
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Why `template` cannot be the conversation link, or undefined when it can (checked at start). */
export function conversationUrlProblem(template: string): string | undefined {
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const unknown = names.find((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown !== undefined) return `may hold only the placeholders {conversationId} and {channel} (found {${unknown}})`;
  if (!names.includes('conversationId')) return 'must contain {conversationId}';
  let url: URL;
  try {
    url = new URL(fill(template, 'x', 'x'));
  } catch {
    return 'must be an http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not hold a user name or password (every reader of the history sees the links)';
  // A placeholder before the path would let a conversation id choose the site the link opens.
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(template)?.[0] ?? '';
  if (origin.includes('{')) return 'must keep its placeholders out of the scheme and host (in the path or query)';
  return undefined;
}

/**
 * The link to one conversation: each value URL-encoded into its placeholder. Null when the
 * template names the channel and the send has none (its room was never looked up).
 */
export function conversationUrl(template: string, conversationId: string, channel: string | null): string | null {
  if (channel === null && template.includes('{channel}')) return null;
  return fill(template, encodeURIComponent(conversationId), encodeURIComponent(channel ?? ''));
}

function fill(template: string, conversationId: string, channel: string): string {
  return template.replace(PLACEHOLDER, (_, name: string) => (name === 'conversationId' ? conversationId : channel));
}
