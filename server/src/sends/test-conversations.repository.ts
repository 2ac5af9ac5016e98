import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { lockUntilCommit, type DbOrTx } from '../infra/db/db.js';
import { testConversations } from '../infra/db/schema.js';

export type TestConversationRow = typeof testConversations.$inferSelect;

/** The account's test conversations ("Send a test"); every query is scoped to one account. */
export class TestConversationsRepository {
  constructor(private readonly db: DbOrTx) {}

  list(accountId: string): Promise<TestConversationRow[]> {
    return this.db.select().from(testConversations).where(eq(testConversations.accountId, accountId)).orderBy(asc(testConversations.label), asc(testConversations.conversationId));
  }

  async find(accountId: string, conversationId: string): Promise<TestConversationRow | null> {
    const [row] = await this.db
      .select()
      .from(testConversations)
      .where(and(eq(testConversations.accountId, accountId), eq(testConversations.conversationId, conversationId)));
    return row ?? null;
  }

  /**
   * Adds or renames one, unless the account has `max` others already. A lock per account
   * orders concurrent adds, so two cannot both pass the limit unseen. Null: over the limit.
   */
  async upsert(row: Omit<TestConversationRow, 'createdAt'>, max: number): Promise<TestConversationRow | null> {
    return this.db.transaction(async (tx) => {
      await lockUntilCommit(tx, `test_conversations:${row.accountId}`);
      const [others] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(testConversations)
        .where(and(eq(testConversations.accountId, row.accountId), ne(testConversations.conversationId, row.conversationId)));
      if (others!.n >= max) return null;
      const [saved] = await tx
        .insert(testConversations)
        .values(row)
        .onConflictDoUpdate({ target: [testConversations.accountId, testConversations.conversationId], set: { label: row.label, channel: row.channel } })
        .returning();
      return saved!;
    });
  }

  async remove(accountId: string, conversationId: string): Promise<boolean> {
    const rows = await this.db
      .delete(testConversations)
      .where(and(eq(testConversations.accountId, accountId), eq(testConversations.conversationId, conversationId)))
      .returning({ id: testConversations.conversationId });
    return rows.length > 0;
  }
}
