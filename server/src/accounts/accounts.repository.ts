import { and, desc, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../infra/db/db.js';
import { cursorText, olderThan, type TimeCursor } from '../infra/db/keyset.js';
import { accounts, apiTokens, featureFlagChanges, featureFlags } from '../infra/db/schema.js';
import type { Role } from './roles.js';
import type { Actor } from './viewer.js';

/** NOTIFY channel of the api_tokens trigger (migration 0004): a token row changed. */
export const API_TOKENS_CHANGED_CHANNEL = 'api_tokens_changed';

/** What may be shown of a token: everything but its hash. */
const TOKEN_COLUMNS = {
  id: apiTokens.id,
  accountId: apiTokens.accountId,
  role: apiTokens.role,
  createdAt: apiTokens.createdAt,
  expiresAt: apiTokens.expiresAt,
  revokedAt: apiTokens.revokedAt,
  lastUsedAt: apiTokens.lastUsedAt,
};

export type TokenRow = Awaited<ReturnType<AccountsRepository['listTokens']>>[number];

export class AccountsRepository {
  constructor(private readonly db: DbOrTx) {}

  async createAccount(values: { id: string; name: string; chatServiceTokenSealed: string | null; chatServiceOrg: string | null }) {
    const [row] = await this.db.insert(accounts).values(values).returning();
    return row!;
  }

  /** Only the fields given change; returns false when the account does not exist. */
  async setChatService(id: string, patch: { chatServiceTokenSealed?: string; chatServiceOrg?: string | null }): Promise<boolean> {
    const rows = await this.db.update(accounts).set(patch).where(eq(accounts.id, id)).returning({ id: accounts.id });
    return rows.length > 0;
  }

  /** Every sealed token, for a key rotation. */
  async sealedTokens(): Promise<{ id: string; sealed: string }[]> {
    const rows = await this.db
      .select({ id: accounts.id, sealed: accounts.chatServiceTokenSealed })
      .from(accounts)
      .where(isNotNull(accounts.chatServiceTokenSealed));
    return rows.map((r) => ({ id: r.id, sealed: r.sealed! }));
  }

  /** The key ids the stored tokens were sealed with (the second part of `v1.<key id>.…`). */
  async sealedKeyIds(): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ keyId: sql<string>`split_part(${accounts.chatServiceTokenSealed}, '.', 2)` })
      .from(accounts)
      .where(isNotNull(accounts.chatServiceTokenSealed));
    return rows.map((r) => r.keyId);
  }

  async findAccount(id: string) {
    const [row] = await this.db.select().from(accounts).where(eq(accounts.id, id));
    return row;
  }

  async createToken(accountId: string, role: Role, tokenHash: string, expiresAt: Date | null) {
    const [row] = await this.db.insert(apiTokens).values({ accountId, role, tokenHash, expiresAt }).returning(TOKEN_COLUMNS);
    return row!;
  }

  /** A token that may still be used: not revoked, not expired. */
  async findUsableTokenByHash(tokenHash: string) {
    const [row] = await this.db
      .select({ id: apiTokens.id, accountId: apiTokens.accountId, role: apiTokens.role, expiresAt: apiTokens.expiresAt })
      .from(apiTokens)
      .where(
        and(
          eq(apiTokens.tokenHash, tokenHash),
          isNull(apiTokens.revokedAt),
          or(isNull(apiTokens.expiresAt), sql`${apiTokens.expiresAt} > now()`),
        ),
      );
    return row;
  }

  /** Records a use, at most once a minute per token (the cache sees most uses, not this). */
  async touchToken(id: string): Promise<void> {
    await this.db
      .update(apiTokens)
      .set({ lastUsedAt: sql`now()` })
      .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - interval '1 minute'`))));
  }

  /** The account's tokens, newest first, revoked ones included; never the hash. */
  async listTokens(accountId: string) {
    return this.db.select(TOKEN_COLUMNS).from(apiTokens).where(eq(apiTokens.accountId, accountId)).orderBy(desc(apiTokens.createdAt));
  }

  async findToken(id: string) {
    const [row] = await this.db.select(TOKEN_COLUMNS).from(apiTokens).where(eq(apiTokens.id, id));
    return row;
  }

  /**
   * Revokes the token (once: a second revocation keeps the first time). The row's trigger
   * (migration 0004) tells every process to forget its cached tokens.
   */
  async revokeToken(id: string) {
    const [row] = await this.db
      .update(apiTokens)
      .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, now())` })
      .where(eq(apiTokens.id, id))
      .returning(TOKEN_COLUMNS);
    return row;
  }

  async enabledFlags(accountId: string): Promise<string[]> {
    const rows = await this.db
      .select({ flag: featureFlags.flag })
      .from(featureFlags)
      .where(and(eq(featureFlags.accountId, accountId), eq(featureFlags.enabled, true)));
    return rows.map((r) => r.flag);
  }

  async isFlagEnabled(accountId: string, flag: string): Promise<boolean> {
    const [row] = await this.db
      .select({ enabled: featureFlags.enabled })
      .from(featureFlags)
      .where(and(eq(featureFlags.accountId, accountId), eq(featureFlags.flag, flag)));
    return row?.enabled ?? false;
  }

  /**
   * Sets the flag and records the change (who, from which value) in one transaction; the row
   * lock orders concurrent changes, so each audit row's "from" is the value it replaced. A
   * change to the value the flag already has is not a change and is not recorded.
   */
  async setFlag(accountId: string, flag: string, enabled: boolean, actor: Actor) {
    await this.db.transaction(async (tx) => {
      const [previous] = await tx
        .select({ enabled: featureFlags.enabled })
        .from(featureFlags)
        .where(and(eq(featureFlags.accountId, accountId), eq(featureFlags.flag, flag)))
        .for('update');
      if (previous?.enabled === enabled) return;
      await tx
        .insert(featureFlags)
        .values({ accountId, flag, enabled })
        .onConflictDoUpdate({
          target: [featureFlags.accountId, featureFlags.flag],
          set: { enabled, updatedAt: new Date() },
        });
      await tx.insert(featureFlagChanges).values({
        accountId,
        flag,
        fromEnabled: previous?.enabled ?? null,
        toEnabled: enabled,
        changedBy: actor.label,
        changedByTokenId: actor.tokenId,
      });
    });
  }

  /** Flag changes, newest first: one account's or (null) every account's, before a cursor row. */
  async flagChanges(accountId: string | null, limit: number, after: TimeCursor | null) {
    return this.db
      .select({ change: featureFlagChanges, accountName: accounts.name, cursorAt: cursorText(featureFlagChanges.createdAt) })
      .from(featureFlagChanges)
      .innerJoin(accounts, eq(accounts.id, featureFlagChanges.accountId))
      .where(
        and(
          accountId ? eq(featureFlagChanges.accountId, accountId) : undefined,
          olderThan(featureFlagChanges.createdAt, featureFlagChanges.id, after),
        ),
      )
      .orderBy(desc(featureFlagChanges.createdAt), desc(featureFlagChanges.id))
      .limit(limit);
  }
}
