import crypto from 'node:crypto';
import { AppError, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import { TtlCache } from '../infra/ttl-cache.js';
import type { AccountsRepository } from './accounts.repository.js';
import { KNOWN_FLAGS, Permission, permissionsOf, Role, SEND_ATTACHMENT_FLAG } from './roles.js';
import { requirePermission, type Viewer } from './viewer.js';

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** `sat_` + 43 characters of base64url: 256 random bits. */
function newToken(): string {
  return `sat_${crypto.randomBytes(32).toString('base64url')}`;
}

/**
 * How long a known token's account and role are reused without reading api_tokens again.
 * Every request authenticates, so this takes one query off each. Tokens are never edited and
 * there is no revocation yet; when one is added, it must clear this cache (or wait this long).
 */
const TOKEN_CACHE_MS = 30_000;

export class AccountsService {
  private readonly viewers = new TtlCache<Viewer>(TOKEN_CACHE_MS);

  constructor(private readonly accounts: AccountsRepository) {}

  async createAccount(name: string) {
    const trimmed = name.trim();
    if (!trimmed) throw AppError.badInput('name', InputReason.NAME_REQUIRED, 'An account needs a name.');
    return this.accounts.createAccount(trimmed, newToken());
  }

  /** Issues a token; only its hash is stored, so this is the one time it can be read. */
  async createToken(accountId: string, role: Role): Promise<string> {
    if (!Object.values(Role).includes(role)) {
      throw AppError.badInput('role', InputReason.INVALID_VALUE, `Unknown role "${role}". Roles: ${Object.values(Role).join(', ')}.`);
    }
    await this.requireAccount(accountId);
    const token = newToken();
    await this.accounts.createToken(accountId, role, hashToken(token));
    return token;
  }

  /** The viewer behind an `Authorization: Bearer …` header, or null when absent or unknown. */
  async authenticate(authorization: string | undefined): Promise<Viewer | null> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return null;
    const hash = hashToken(match[1]!);
    const cached = this.viewers.get(hash);
    if (cached) return cached;
    // Unknown tokens are not cached: a flood of made-up tokens must not push out real ones.
    const row = await this.accounts.findTokenByHash(hash);
    if (!row) return null;
    const viewer = Object.freeze({ accountId: row.accountId, role: row.role as Role, tokenId: row.id });
    this.viewers.set(hash, viewer);
    return viewer;
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
    requirePermission(viewer, Permission.FLAGS_WRITE);
    return this.setFeatureFlag(accountId, flag, enabled);
  }

  /** Unchecked: for the ops CLI, run by an operator on the machine. */
  async setFeatureFlag(accountId: string, flag: string, enabled: boolean) {
    if (!(KNOWN_FLAGS as readonly string[]).includes(flag)) {
      throw AppError.badInput('flag', InputReason.INVALID_VALUE, `Unknown flag "${flag}". Flags: ${KNOWN_FLAGS.join(', ')}.`);
    }
    await this.requireAccount(accountId);
    await this.accounts.setFlag(accountId, flag, enabled);
    return true;
  }

  async requireAccount(accountId: string) {
    const account = isUuid(accountId) ? await this.accounts.findAccount(accountId) : undefined;
    if (!account) throw AppError.notFound('account');
    return account;
  }
}
