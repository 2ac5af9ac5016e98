import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../infra/db/db.js';
import { accounts, apiTokens, featureFlags } from '../infra/db/schema.js';
import type { Role } from './roles.js';

export class AccountsRepository {
  constructor(private readonly db: DbOrTx) {}

  async createAccount(name: string, chatServiceToken: string) {
    const [row] = await this.db.insert(accounts).values({ name, chatServiceToken }).returning();
    return row!;
  }

  async findAccount(id: string) {
    const [row] = await this.db.select().from(accounts).where(eq(accounts.id, id));
    return row;
  }

  async createToken(accountId: string, role: Role, tokenHash: string) {
    const [row] = await this.db.insert(apiTokens).values({ accountId, role, tokenHash }).returning();
    return row!;
  }

  async findTokenByHash(tokenHash: string) {
    const [row] = await this.db
      .select({ id: apiTokens.id, accountId: apiTokens.accountId, role: apiTokens.role })
      .from(apiTokens)
      .where(eq(apiTokens.tokenHash, tokenHash));
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

  async setFlag(accountId: string, flag: string, enabled: boolean) {
    await this.db
      .insert(featureFlags)
      .values({ accountId, flag, enabled })
      .onConflictDoUpdate({
        target: [featureFlags.accountId, featureFlags.flag],
        set: { enabled, updatedAt: new Date() },
      });
  }
}
