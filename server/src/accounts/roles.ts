/** The one role of an API token. */
export enum Role {
  ADMIN = 'ADMIN',
  BOT_MANAGER = 'BOT_MANAGER',
  AGENT = 'AGENT',
  VIEWER = 'VIEWER',
  AI_SERVICE = 'AI_SERVICE',
  OPS = 'OPS',
}

export enum Permission {
  /** Read the account's agents, actions, limits and catalog. */
  CONFIG_READ = 'CONFIG_READ',
  /** Upload, save, enable/disable, delete and train. */
  CONFIG_WRITE = 'CONFIG_WRITE',
  /** Read an agent's trained tool set. */
  TOOLS_READ = 'TOOLS_READ',
  /** Call invokeSendAttachment. */
  INVOKE = 'INVOKE',
  /** Read send history, stats and alerts. */
  HISTORY_READ = 'HISTORY_READ',
  /** Read the account's sends one by one or in pages (`send`, `sends`): what became of a call. */
  SENDS_READ = 'SENDS_READ',
  /** Keep the account's list of test conversations ("Send a test" sends only to these). */
  TEST_CONVERSATIONS_MANAGE = 'TEST_CONVERSATIONS_MANAGE',
  /** Acknowledge a firing alert of the account (OPS: of any account). */
  ALERTS_ACKNOWLEDGE = 'ALERTS_ACKNOWLEDGE',
  /** Turn feature flags on and off for any account, and read who changed them. */
  FLAGS_WRITE = 'FLAGS_WRITE',
  /** See and revoke the account's API tokens. */
  TOKENS_MANAGE = 'TOKENS_MANAGE',
  /** Set any account's ChatService token and organization id (never read them back). */
  CHAT_SERVICE_WRITE = 'CHAT_SERVICE_WRITE',
  /** Register, change and delete the account's webhook endpoints, rotate their secrets, see their deliveries. */
  WEBHOOKS_MANAGE = 'WEBHOOKS_MANAGE',
}

const BUILDERS = [Role.ADMIN, Role.BOT_MANAGER];
const READERS = [...BUILDERS, Role.AGENT, Role.VIEWER];

/** The whole role matrix: the API checks it, the admin renders from it (via `me.permissions`). */
export const ROLE_PERMISSIONS: Readonly<Record<Permission, readonly Role[]>> = {
  [Permission.CONFIG_READ]: READERS,
  [Permission.CONFIG_WRITE]: BUILDERS,
  [Permission.TOOLS_READ]: [...READERS, Role.AI_SERVICE],
  [Permission.INVOKE]: [Role.AI_SERVICE],
  [Permission.HISTORY_READ]: [...READERS, Role.OPS],
  // The AI service too, so it can learn what became of the sends it made (issue 12).
  [Permission.SENDS_READ]: [...READERS, Role.OPS, Role.AI_SERVICE],
  // Which conversations a builder's test may reach: the account's admin decides.
  [Permission.TEST_CONVERSATIONS_MANAGE]: [Role.ADMIN],
  // Acknowledging says "someone is on it": the people who act on alerts, not every reader.
  [Permission.ALERTS_ACKNOWLEDGE]: [...BUILDERS, Role.OPS],
  [Permission.FLAGS_WRITE]: [Role.OPS],
  [Permission.TOKENS_MANAGE]: [Role.ADMIN],
  [Permission.CHAT_SERVICE_WRITE]: [Role.OPS],
  // Endpoints receive the account's send events and hold signing secrets: the account's admin only.
  [Permission.WEBHOOKS_MANAGE]: [Role.ADMIN],
};

/** Role names as people read them. */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  [Role.ADMIN]: 'Admin',
  [Role.BOT_MANAGER]: 'Bot manager',
  [Role.AGENT]: 'Agent',
  [Role.VIEWER]: 'Viewer',
  [Role.AI_SERVICE]: 'AI service',
  [Role.OPS]: 'OPS',
};

/** What each permission lets a token do, for refusals a person can act on. */
const PERMISSION_WORDS: Readonly<Record<Permission, string>> = {
  [Permission.CONFIG_READ]: 'see agents and their actions',
  [Permission.CONFIG_WRITE]: 'add, change, enable, delete or train actions',
  [Permission.TOOLS_READ]: "read an agent's trained tools",
  [Permission.INVOKE]: 'send attachments for an agent',
  [Permission.HISTORY_READ]: 'see the send history, statistics and alerts',
  [Permission.SENDS_READ]: 'read sends',
  [Permission.TEST_CONVERSATIONS_MANAGE]: "manage the account's test conversations",
  [Permission.ALERTS_ACKNOWLEDGE]: 'acknowledge alerts',
  [Permission.FLAGS_WRITE]: 'turn Send Attachment on or off for an account',
  [Permission.TOKENS_MANAGE]: "see and revoke the account's API tokens",
  [Permission.CHAT_SERVICE_WRITE]: "set an account's ChatService token or organization",
  [Permission.WEBHOOKS_MANAGE]: "manage the account's webhooks",
};

/** "A Viewer token cannot add, change… actions: that takes an Admin or Bot manager token." */
export function refusalFor(role: Role, permission: Permission): string {
  const allowed = ROLE_PERMISSIONS[permission].map((r) => ROLE_LABELS[r]);
  const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed[0];
  return `A${/^[AEIOU]/.test(ROLE_LABELS[role]) ? 'n' : ''} ${ROLE_LABELS[role]} token cannot ${PERMISSION_WORDS[permission]}: that takes a${/^[AEIOU]/.test(list ?? '') ? 'n' : ''} ${list} token.`;
}

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[permission].includes(role);
}

export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(ROLE_PERMISSIONS) as Permission[]).filter((p) => can(role, p));
}

export const SEND_ATTACHMENT_FLAG = 'ai_agent_send_attachment_action';
/** Flags an account can have; each is off unless set. */
export const KNOWN_FLAGS = [SEND_ATTACHMENT_FLAG] as const;
