import type { ActionsRepository } from '../actions/actions.repository.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import { lockUntilCommit, type Db } from '../infra/db/db.js';
import { AppError, InputReason } from '../infra/errors.js';
import type { AgentsRepository, ToolsetRow } from './agents.repository.js';
import { capabilityActionOf, toolOf } from './toolset.js';

export interface ToolsetView {
  version: number;
  trainedAt: Date | null;
  tools: unknown[];
  capabilityActions: unknown[];
  actionIds: string[];
}

const UNTRAINED: ToolsetView = { version: 0, trainedAt: null, tools: [], capabilityActions: [], actionIds: [] };

export class AgentsService {
  constructor(
    private readonly db: Db,
    private readonly agents: AgentsRepository,
    private readonly actions: ActionsRepository,
    private readonly accounts: AccountsService,
  ) {}

  async create(accountId: string, name: string) {
    await this.accounts.requireAccount(accountId);
    if (!name.trim()) throw AppError.badInput('name', InputReason.NAME_REQUIRED, 'An agent needs a name.');
    return this.agents.create(accountId, name.trim());
  }

  /** The account's agents, each with its training state. */
  async list(viewer: Viewer | null) {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_READ);
    const agents = await this.agents.list(accountId);
    return Promise.all(agents.map(async (agent) => ({ ...agent, ...(await this.trainingState(accountId, agent.id)) })));
  }

  requireAgent(accountId: string, agentId: string) {
    return this.agents.require(accountId, agentId);
  }

  /**
   * Snapshots the agent's enabled actions as callable tools, as a new version. With the
   * feature flag off the snapshot holds no Send Attachment tools.
   */
  async train(viewer: Viewer | null, agentId: string): Promise<ToolsetView> {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_WRITE);
    await this.requireAgent(accountId, agentId);
    const flagOn = await this.accounts.isSendAttachmentEnabled(accountId);
    return this.db.transaction(async (tx) => {
      const agents = this.agents.with(tx);
      // Serialises concurrent trainings of one agent, so versions never collide.
      await lockUntilCommit(tx, `train:${agentId}`);
      const callable = flagOn
        ? (await this.actions.with(tx).listForAgent(accountId, agentId)).filter((a) => a.enabled)
        : [];
      const previous = await agents.latestToolset(accountId, agentId);
      const row = await agents.insertToolset({
        agentId,
        accountId,
        version: (previous?.version ?? 0) + 1,
        tools: callable.map(toolOf),
        capabilityActions: callable.map(capabilityActionOf),
        actionIds: callable.map((a) => a.id),
      });
      return toView(row);
    });
  }

  async tools(viewer: Viewer | null, agentId: string): Promise<ToolsetView> {
    const { accountId } = requirePermission(viewer, Permission.TOOLS_READ);
    await this.requireAgent(accountId, agentId);
    return this.latestToolset(accountId, agentId);
  }

  async latestToolset(accountId: string, agentId: string): Promise<ToolsetView> {
    const row = await this.agents.latestToolset(accountId, agentId);
    return row ? toView(row) : UNTRAINED;
  }

  /** Whether the live configuration differs from what the agent was last trained on. */
  private async trainingState(accountId: string, agentId: string) {
    const [toolset, actions] = await Promise.all([
      this.latestToolset(accountId, agentId),
      this.actions.listForAgent(accountId, agentId),
    ]);
    const enabled = actions.filter((a) => a.enabled);
    const trained = new Set(toolset.actionIds);
    const needsTraining =
      enabled.length !== trained.size ||
      enabled.some((a) => !trained.has(a.id) || (toolset.trainedAt !== null && a.updatedAt > toolset.trainedAt));
    return { trainedVersion: toolset.version, trainedAt: toolset.trainedAt, needsTraining };
  }
}

function toView(row: ToolsetRow): ToolsetView {
  return {
    version: row.version,
    trainedAt: row.trainedAt,
    tools: row.tools as unknown[],
    capabilityActions: row.capabilityActions as unknown[],
    actionIds: row.actionIds,
  };
}
