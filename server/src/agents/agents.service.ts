import type { ActionsRepository } from '../actions/actions.repository.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import { lockUntilCommit, type Db } from '../infra/db/db.js';
import { AppError, InputReason } from '../infra/errors.js';
import type { AgentsRepository, ToolsetRow } from './agents.repository.js';
import { capabilityActionOf, isSendAttachmentTool, MAX_TOOLS_PER_AGENT, servedToolOf, TOOL_ACTION_TYPE, toolOf } from './toolset.js';

export interface ToolsetView {
  version: number;
  trainedAt: Date | null;
  tools: unknown[];
  capabilityActions: unknown[];
  actionIds: string[];
}

/** Why an agent offers none of its Send Attachment actions while the account's flag is off. */
export const SEND_ATTACHMENT_OFF =
  'Send Attachment is turned off for this account: the AI agent cannot send attachments, and none of these actions is offered to it, whatever its status. The actions and their files are kept, and are offered again as trained once it is turned back on.';

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

  /** The account's agents, each with its training state and whether Send Attachment is offered. */
  async list(viewer: Viewer | null) {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_READ);
    const [agents, flagOn] = await Promise.all([this.agents.list(accountId), this.accounts.isSendAttachmentEnabled(accountId)]);
    const sendAttachmentUnavailable = flagOn ? null : SEND_ATTACHMENT_OFF;
    return Promise.all(
      agents.map(async (agent) => ({ ...agent, ...(await this.trainingState(accountId, agent.id)), sendAttachmentUnavailable })),
    );
  }

  requireAgent(accountId: string, agentId: string) {
    return this.agents.require(accountId, agentId);
  }

  /**
   * Snapshots the agent's enabled actions as callable tools, as a new version. The snapshot
   * is the configuration whatever the flag: with the flag off `agentTools` serves none of its
   * Send Attachment tools, and turning the flag back on serves them again as trained.
   */
  async train(viewer: Viewer | null, agentId: string): Promise<ToolsetView> {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_WRITE);
    await this.requireAgent(accountId, agentId);
    const trained = await this.db.transaction(async (tx) => {
      const agents = this.agents.with(tx);
      // Serialises concurrent trainings of one agent, so versions never collide.
      await lockUntilCommit(tx, `train:${agentId}`);
      const callable = (await this.actions.with(tx).listForAgent(accountId, agentId)).filter((a) => a.enabled);
      if (callable.length > MAX_TOOLS_PER_AGENT) throw tooManyTools(callable.length);
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
    return this.served(accountId, trained);
  }

  /** What the AI service may call now: the last training, without Send Attachment tools while the flag is off (S02). */
  async tools(viewer: Viewer | null, agentId: string): Promise<ToolsetView> {
    const { accountId } = requirePermission(viewer, Permission.TOOLS_READ);
    await this.requireAgent(accountId, agentId);
    return this.served(accountId, await this.latestToolset(accountId, agentId));
  }

  private async served(accountId: string, toolset: ToolsetView): Promise<ToolsetView> {
    if (await this.accounts.isSendAttachmentEnabled(accountId)) return toolset;
    return {
      ...toolset,
      tools: toolset.tools.filter((tool) => !isSendAttachmentTool(tool)),
      capabilityActions: toolset.capabilityActions.filter((entry) => (entry as { action_type?: string }).action_type !== TOOL_ACTION_TYPE),
    };
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

/** The refusal of a training that would give the agent more tools than OpenAI accepts. */
function tooManyTools(enabled: number): AppError {
  const over = enabled - MAX_TOOLS_PER_AGENT;
  return AppError.badInput(
    'agentId',
    InputReason.TOO_MANY_TOOLS,
    `This agent has ${enabled} enabled actions, and an AI agent can be trained with at most ${MAX_TOOLS_PER_AGENT} (OpenAI accepts no more tools in one request). Disable ${over} action${over === 1 ? '' : 's'}, then train again; the agent keeps its last training until then.`,
  );
}

function toView(row: ToolsetRow): ToolsetView {
  return {
    version: row.version,
    trainedAt: row.trainedAt,
    tools: (row.tools as unknown[]).map((tool) => (isSendAttachmentTool(tool) ? servedToolOf(tool) : tool)),
    capabilityActions: row.capabilityActions as unknown[],
    actionIds: row.actionIds,
  };
}
