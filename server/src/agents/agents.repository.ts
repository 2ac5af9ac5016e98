import { and, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../infra/db/db.js';
import { AppError } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import { agents, agentToolsets } from '../infra/db/schema.js';

export type ToolsetRow = typeof agentToolsets.$inferSelect;

export class AgentsRepository {
  constructor(private readonly db: DbOrTx) {}

  with(db: DbOrTx): AgentsRepository {
    return new AgentsRepository(db);
  }

  async create(accountId: string, name: string) {
    const [row] = await this.db.insert(agents).values({ accountId, name }).returning();
    return row!;
  }

  async list(accountId: string) {
    return this.db.select().from(agents).where(eq(agents.accountId, accountId)).orderBy(agents.createdAt);
  }

  async find(accountId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(agents)
      .where(and(eq(agents.accountId, accountId), eq(agents.id, id)));
    return row;
  }

  /** The account's agent, or NOT_FOUND (also for an id that is not a UUID, or another account's). */
  async require(accountId: string, id: string) {
    const agent = isUuid(id) ? await this.find(accountId, id) : undefined;
    if (!agent) throw AppError.notFound('agent');
    return agent;
  }

  async latestToolset(accountId: string, agentId: string): Promise<ToolsetRow | undefined> {
    const [row] = await this.db
      .select()
      .from(agentToolsets)
      .where(and(eq(agentToolsets.accountId, accountId), eq(agentToolsets.agentId, agentId)))
      .orderBy(desc(agentToolsets.version))
      .limit(1);
    return row;
  }

  async insertToolset(row: typeof agentToolsets.$inferInsert): Promise<ToolsetRow> {
    const [inserted] = await this.db.insert(agentToolsets).values(row).returning();
    return inserted!;
  }
}
