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
  /** Turn feature flags on and off for any account. */
  FLAGS_WRITE = 'FLAGS_WRITE',
  /** See and revoke the account's API tokens. */
  TOKENS_MANAGE = 'TOKENS_MANAGE',
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
  [Permission.FLAGS_WRITE]: [Role.OPS],
  [Permission.TOKENS_MANAGE]: [Role.ADMIN],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[permission].includes(role);
}

export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(ROLE_PERMISSIONS) as Permission[]).filter((p) => can(role, p));
}

export const SEND_ATTACHMENT_FLAG = 'ai_agent_send_attachment_action';
/** Flags an account can have; each is off unless set. */
export const KNOWN_FLAGS = [SEND_ATTACHMENT_FLAG] as const;
