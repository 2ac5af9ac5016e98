import crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppError, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import type { AccountsRepository } from './accounts.repository.js';
import type { ChatServiceCredentialsStore } from './chat-service-credentials.js';
import { KNOWN_FLAGS, Permission, permissionsOf, Role, SEND_ATTACHMENT_FLAG } from './roles.js';
import { decodeCursor, encodeCursor } from '../infra/graphql/cursor.js';
import { actorOf, cliActor, requirePermission, type Actor, type Viewer } from './viewer.js';

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** `sat_` + 43 characters of base64url: 256 random bits. */
function newToken(): string {
  return `sat_${crypto.randomBytes(32).toString('base64url')}`;
}

/**
 * How long a known token's account and role are reused without reading api_tokens again.
 * Every request authenticates, so this takes one query off each. A revocation (or any change
 * to a token row, even by hand) does not wait for this: the api_tokens trigger NOTIFYs every
 * process, which then forgets its cached tokens (`forgetCachedTokens`, wired in server.ts).
 */
const TOKEN_CACHE_MS = 30_000;

const MAX_FLAG_CHANGES_PAGE = 100;

const DURATION = /^(\d{1,6})([mhd])$/;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86400 } as const;
/** Ten years: beyond that a token might as well not expire. */
const MAX_EXPIRES_IN_SECONDS = 3650 * 86400;

/** `--expires-in 90d` (m, h or d) in seconds. */
export function parseExpiresIn(value: string): number {
  const match = DURATION.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : 0;
  if (!(seconds > 0 && seconds <= MAX_EXPIRES_IN_SECONDS)) {
    throw AppError.badInput('expiresIn', InputReason.INVALID_VALUE, `expires-in must be like 30m, 12h or 90d (at most 3650d); got "${value}".`);
  }
  return seconds;
}

/** A cached token: who it is, and until when it may be used. */
interface CachedViewer {
  viewer: Viewer;
  expiresAt: Date | null;
}

/** What an operator gives for an account's ChatService: either part may be left out. */
export interface ChatServiceSettingsInput {
  token?: string | null;
  /** `''` or null clears it. */
  organizationId?: string | null;
}

/** What can be read back: whether a token is set, never the token. */
export interface ChatServiceSettingsView {
  accountId: string;
  tokenSet: boolean;
  organizationId: string | null;
}

/** A token or id goes into an HTTP header or a JSON field as is: visible ASCII, no spaces. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;
const MAX_CHAT_SERVICE_TOKEN_CHARS = 4096;
const MAX_CHAT_SERVICE_ORG_CHARS = 255;

export class AccountsService {
  private readonly viewers = new LRUCache<string, CachedViewer>({ max: 10_000, ttl: TOKEN_CACHE_MS });
  /**
   * Bumped by every forget: a lookup that started before a revocation and answers after it
   * must not put the token back in the cache.
   */
  private cacheGeneration = 0;

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly credentials: ChatServiceCredentialsStore,
  ) {}

  /** Unchecked: for the ops CLI, the demo seed and tests. The token is stored sealed. */
  async createAccount(name: string, chatService: ChatServiceSettingsInput = {}) {
    const trimmed = name.trim();
    if (!trimmed) throw AppError.badInput('name', InputReason.NAME_REQUIRED, 'An account needs a name.');
    const { token, organizationId } = validateChatService(chatService);
    // The id is chosen here because the sealed token is bound to it.
    const id = crypto.randomUUID();
    return this.accounts.createAccount({
      id,
      name: trimmed,
      chatServiceTokenSealed: token ? this.credentials.seal(id, token) : null,
      chatServiceOrg: organizationId ?? null,
    });
  }

  async setChatServiceSettingsAs(viewer: Viewer | null, accountId: string, input: ChatServiceSettingsInput) {
    requirePermission(viewer, Permission.CHAT_SERVICE_WRITE);
    return this.setChatServiceSettings(accountId, input);
  }

  /** Unchecked: for the ops CLI. Sets or rotates the token and/or the organization id. */
  async setChatServiceSettings(accountId: string, input: ChatServiceSettingsInput): Promise<ChatServiceSettingsView> {
    const { token, organizationId } = validateChatService(input);
    if (token === undefined && organizationId === undefined) {
      throw AppError.badInput('token', InputReason.INVALID_VALUE, 'Give a ChatService token, an organization id, or both.');
    }
    await this.requireAccount(accountId);
    await this.accounts.setChatService(accountId, {
      ...(token !== undefined ? { chatServiceTokenSealed: this.credentials.seal(accountId, token) } : {}),
      ...(organizationId !== undefined ? { chatServiceOrg: organizationId } : {}),
    });
    const account = await this.requireAccount(accountId);
    return { accountId, tokenSet: account.chatServiceTokenSealed !== null, organizationId: account.chatServiceOrg };
  }

  /**
   * After SECRETS_KEY changed (the old key in SECRETS_KEY_PREVIOUS): seals every stored token
   * with the current key. Returns how many it re-sealed; tokens already on it are left alone.
   */
  async resealChatServiceTokens(): Promise<number> {
    let count = 0;
    for (const row of await this.accounts.sealedTokens()) {
      if (this.credentials.isCurrent(row.sealed)) continue;
      await this.accounts.setChatService(row.id, { chatServiceTokenSealed: this.credentials.reseal(row.id, row.sealed) });
      count += 1;
    }
    return count;
  }

  /**
   * Issues a token, valid for `expiresInSeconds` when given; only its hash is stored, so this
   * is the one time it can be read.
   */
  async createToken(accountId: string, role: Role, options: { expiresInSeconds?: number } = {}): Promise<string> {
    if (!Object.values(Role).includes(role)) {
      throw AppError.badInput('role', InputReason.INVALID_VALUE, `Unknown role "${role}". Roles: ${Object.values(Role).join(', ')}.`);
    }
    await this.requireAccount(accountId);
    const token = newToken();
    const expiresAt = options.expiresInSeconds ? new Date(Date.now() + options.expiresInSeconds * 1000) : null;
    await this.accounts.createToken(accountId, role, hashToken(token), expiresAt);
    return token;
  }

  /**
   * The viewer behind an `Authorization: Bearer …` header, or null when absent, unknown,
   * revoked or expired.
   */
  async authenticate(authorization: string | undefined): Promise<Viewer | null> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return null;
    const hash = hashToken(match[1]!);
    const cached = this.viewers.get(hash);
    if (cached) return cached.expiresAt && cached.expiresAt <= new Date() ? null : cached.viewer;
    // Unknown tokens are not cached: a flood of made-up tokens must not push out real ones.
    const generation = this.cacheGeneration;
    const row = await this.accounts.findUsableTokenByHash(hash);
    if (!row) return null;
    const viewer = Object.freeze({ accountId: row.accountId, role: row.role as Role, tokenId: row.id });
    if (generation === this.cacheGeneration) this.viewers.set(hash, { viewer, expiresAt: row.expiresAt });
    // Not awaited: "last used" is a convenience, and must not slow or fail the request.
    this.accounts.touchToken(row.id).catch(() => {});
    return viewer;
  }

  /** Called on every api_tokens change (NOTIFY) and on every reconnect of that LISTEN. */
  forgetCachedTokens(): void {
    this.cacheGeneration++;
    this.viewers.clear();
  }

  /** Settings → API tokens (ADMIN): the account's tokens; `current` marks the caller's own. */
  async listTokensAs(viewer: Viewer | null) {
    const me = requirePermission(viewer, Permission.TOKENS_MANAGE);
    const rows = await this.accounts.listTokens(me.accountId);
    return rows.map((row) => ({ ...row, current: row.id === me.tokenId }));
  }

  /** ADMIN: revokes one of the account's tokens; another account's id is NOT_FOUND. */
  async revokeTokenAs(viewer: Viewer | null, tokenId: string) {
    const me = requirePermission(viewer, Permission.TOKENS_MANAGE);
    const token = isUuid(tokenId) ? await this.accounts.findToken(tokenId) : undefined;
    if (!token || token.accountId !== me.accountId) throw AppError.notFound('token');
    const revoked = (await this.accounts.revokeToken(tokenId))!;
    return { ...revoked, current: revoked.id === me.tokenId };
  }

  /** Unchecked: for the ops CLI (`token:list`). */
  async listTokens(accountId: string) {
    await this.requireAccount(accountId);
    return this.accounts.listTokens(accountId);
  }

  /** Unchecked: for the ops CLI (`token:revoke`). */
  async revokeToken(tokenId: string) {
    const revoked = isUuid(tokenId) ? await this.accounts.revokeToken(tokenId) : undefined;
    if (!revoked) throw AppError.notFound('token');
    return revoked;
  }

  async me(viewer: Viewer | null) {
    if (!viewer) throw AppError.unauthenticated();
    const account = await this.requireAccount(viewer.accountId);
    return {
      accountId: account.id,
      accountName: account.name,
      role: viewer.role,
      featureFlags: await this.accounts.enabledFlags(account.id),
      permissions: permissionsOf(viewer.role),
    };
  }

  isSendAttachmentEnabled(accountId: string): Promise<boolean> {
    return this.accounts.isFlagEnabled(accountId, SEND_ATTACHMENT_FLAG);
  }

  /** Throws FEATURE_DISABLED unless the account has the Send Attachment flag on. */
  async requireSendAttachmentEnabled(accountId: string): Promise<void> {
    if (!(await this.isSendAttachmentEnabled(accountId))) throw AppError.featureDisabled();
  }

  async setFeatureFlagAs(viewer: Viewer | null, accountId: string, flag: string, enabled: boolean) {
    const me = requirePermission(viewer, Permission.FLAGS_WRITE);
    return this.setFeatureFlag(accountId, flag, enabled, actorOf(me));
  }

  /** Unchecked: for the ops CLI, run by an operator on the machine (the audit names them), and the demo seed. */
  async setFeatureFlag(accountId: string, flag: string, enabled: boolean, actor: Actor = cliActor()) {
    if (!(KNOWN_FLAGS as readonly string[]).includes(flag)) {
      throw AppError.badInput('flag', InputReason.INVALID_VALUE, `Unknown flag "${flag}". Flags: ${KNOWN_FLAGS.join(', ')}.`);
    }
    await this.requireAccount(accountId);
    await this.accounts.setFlag(accountId, flag, enabled, actor);
    return true;
  }

  /** OPS: the audit of flag changes, newest first; one account's when `accountId` is given. */
  async flagChangesAs(viewer: Viewer | null, accountId: string | null, first: number | null, after: string | null) {
    requirePermission(viewer, Permission.FLAGS_WRITE);
    const size = first ?? 20;
    if (!Number.isInteger(size) || size < 1 || size > MAX_FLAG_CHANGES_PAGE) {
      throw AppError.badInput('first', InputReason.INVALID_VALUE, `first must be from 1 to ${MAX_FLAG_CHANGES_PAGE}.`);
    }
    if (accountId !== null) await this.requireAccount(accountId);
    const rows = await this.accounts.flagChanges(accountId, size + 1, after ? decodeCursor(after) : null);
    const page = rows.slice(0, size);
    const last = page.at(-1);
    return {
      nodes: page.map(({ change, accountName }) => ({ ...change, accountName })),
      pageInfo: { hasNextPage: rows.length > size, endCursor: last ? encodeCursor({ createdAt: last.cursorAt, id: last.change.id }) : null },
    };
  }

  async requireAccount(accountId: string) {
    const account = isUuid(accountId) ? await this.accounts.findAccount(accountId) : undefined;
    if (!account) throw AppError.notFound('account');
    return account;
  }
}

/** Trimmed values; undefined where the input leaves a part unchanged. Refusals name the field. */
function validateChatService(input: ChatServiceSettingsInput): { token?: string; organizationId?: string | null } {
  const out: { token?: string; organizationId?: string | null } = {};
  if (input.token !== undefined && input.token !== null) {
    const token = input.token.trim();
    if (!token || token.length > MAX_CHAT_SERVICE_TOKEN_CHARS || !HEADER_SAFE.test(token)) {
      throw AppError.badInput(
        'token',
        InputReason.INVALID_VALUE,
        `A ChatService token is 1 to ${MAX_CHAT_SERVICE_TOKEN_CHARS} visible ASCII characters without spaces, as ChatService issued it.`,
      );
    }
    out.token = token;
  }
  if (input.organizationId !== undefined) {
    const org = input.organizationId?.trim() ?? '';
    if (org && (org.length > MAX_CHAT_SERVICE_ORG_CHARS || !HEADER_SAFE.test(org))) {
      throw AppError.badInput(
        'organizationId',
        InputReason.INVALID_VALUE,
        `A ChatService organization id is at most ${MAX_CHAT_SERVICE_ORG_CHARS} visible ASCII characters without spaces.`,
      );
    }
    out.organizationId = org || null;
  }
  return out;
}
