import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { lockUntilCommit, type DbOrTx } from '../infra/db/db.js';
import { actions } from '../infra/db/schema.js';

export type ActionRow = typeof actions.$inferSelect;
export type ActionFields = Pick<
  typeof actions.$inferInsert,
  'name' | 'trigger' | 'contentMode' | 'contentMessage' | 'enabled' | 'linkFallback'
>;


const live = (accountId: string, id: string) =>
  and(eq(actions.accountId, accountId), eq(actions.id, id), isNull(actions.deletedAt));

/**
 * The lock that orders a change of an action against the invokes of it in flight: a change
 * (edit, turn off, delete) holds it exclusively until its commit, an invoke holds it shared
 * while it records its send, so an invoke either commits before the change or sees it.
 */
export const actionChangeLock = (id: string) => `action:${id}`;

export class ActionsRepository {
  constructor(private readonly db: DbOrTx) {}

  with(db: DbOrTx): ActionsRepository {
    return new ActionsRepository(db);
  }

  /** Waits for the action's invokes in flight and holds new ones back until this transaction ends. */
  async lockAgainstInvokes(id: string): Promise<void> {
    await lockUntilCommit(this.db, actionChangeLock(id));
  }

  async create(accountId: string, agentId: string, fields: ActionFields): Promise<ActionRow> {
    const [row] = await this.db
      .insert(actions)
      .values({ accountId, agentId, ...fields })
      .returning();
    return row!;
  }

  /**
   * Writes `fields` and bumps the version, only if the action is live and (when given)
   * still at `expectedVersion`. Undefined means "not updated": the caller tells why.
   */
  async update(accountId: string, id: string, fields: ActionFields, expectedVersion?: number) {
    const [row] = await this.db
      .update(actions)
      .set({ ...fields, version: sql`${actions.version} + 1`, updatedAt: new Date() })
      .where(and(live(accountId, id), expectedVersion === undefined ? undefined : eq(actions.version, expectedVersion)))
      .returning();
    return row;
  }

  async find(accountId: string, id: string): Promise<ActionRow | undefined> {
    const [row] = await this.db.select().from(actions).where(live(accountId, id));
    return row;
  }

  async listForAgent(accountId: string, agentId: string): Promise<ActionRow[]> {
    return this.db
      .select()
      .from(actions)
      .where(and(eq(actions.accountId, accountId), eq(actions.agentId, agentId), isNull(actions.deletedAt)))
      .orderBy(asc(actions.createdAt));
  }

  async setEnabled(accountId: string, id: string, enabled: boolean) {
    const [row] = await this.db
      .update(actions)
      .set({ enabled, version: sql`${actions.version} + 1`, updatedAt: new Date() })
      .where(live(accountId, id))
      .returning();
    return row;
  }

  async softDelete(accountId: string, id: string) {
    const [row] = await this.db
      .update(actions)
      .set({ deletedAt: new Date(), enabled: false, updatedAt: new Date() })
      .where(live(accountId, id))
      .returning();
    return row;
  }
}
