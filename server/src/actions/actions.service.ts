import type { AccountsService } from '../accounts/accounts.service.js';
import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import type { AgentsRepository } from '../agents/agents.repository.js';
import { EVENTS, recordEvent } from '../events/events.js';
import type { FilesRepository, AttachmentRow } from '../files/files.repository.js';
import type { ReceivedFile } from '../files/files.repository.js';
import type { FilesService } from '../files/files.service.js';
import type { UploadArg } from '../files/upload-scalar.js';
import type { Db } from '../infra/db/db.js';
import { AppError, ConflictReason, ErrorCode, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import type { ActionUsage, SendsRepository } from '../sends/sends.repository.js';
import type { ActionRow, ActionsRepository } from './actions.repository.js';
import {
  actionFieldProblems,
  actionFieldsOf,
  fileCountProblem,
  refuseFields,
  type FieldProblem,
  type SaveActionFields,
} from './actions.validation.js';

export interface SaveActionInput extends SaveActionFields {
  id?: string | null;
  agentId: string;
  attachmentIds: string[];
  expectedVersion?: number | null;
}

export interface ActionView extends ActionRow {
  attachments: AttachmentRow[];
  usage: ActionUsage;
}

export const SEND_ATTACHMENT_TYPE = 'QONTAK_SEND_ATTACHMENT';
const NO_USAGE: ActionUsage = { sent: 0, failed: 0, lastSentAt: null };

export class ActionsService {
  constructor(
    private readonly db: Db,
    private readonly actions: ActionsRepository,
    private readonly files: FilesRepository,
    private readonly filesService: FilesService,
    private readonly agents: AgentsRepository,
    private readonly accounts: AccountsService,
    /** Read for the usage column only. */
    private readonly sends: SendsRepository,
  ) {}

  async list(viewer: Viewer | null, agentId: string): Promise<ActionView[]> {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_READ);
    await this.agents.require(accountId, agentId);
    return this.withDetails(accountId, await this.actions.listForAgent(accountId, agentId));
  }

  async get(viewer: Viewer | null, id: string): Promise<ActionView> {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_READ);
    const [view] = await this.withDetails(accountId, [await this.requireAction(accountId, id)]);
    return view!;
  }

  async catalog(viewer: Viewer | null, agentId: string) {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_READ);
    await this.agents.require(accountId, agentId);
    if (!(await this.accounts.isSendAttachmentEnabled(accountId))) return [];
    return [
      {
        type: SEND_ATTACHMENT_TYPE,
        label: 'Send Attachment',
        description: 'Send pinned files (a price list, brochure or catalog image) to the customer.',
      },
    ];
  }

  /**
   * Creates (no id) or updates a Send Attachment action. Inline uploads are staged first
   * (streamed, outside the transaction); then their blobs and rows, the action, its pinned files
   * and the created event are written in one transaction. Any refusal leaves no row and no new blob behind.
   */
  async save(viewer: Viewer | null, input: SaveActionInput, uploads: UploadArg[]): Promise<ActionView> {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_WRITE);
    await this.accounts.requireSendAttachmentEnabled(accountId);
    await this.agents.require(accountId, input.agentId);
    if (input.id) {
      const existing = await this.requireAction(accountId, input.id);
      if (existing.agentId !== input.agentId) throw AppError.notFound('action');
    }
    // Every problem at once, so the builder fixes them in one go rather than one per Save.
    const countProblem = fileCountProblem(input.attachmentIds, uploads.length);
    const problems = [
      ...actionFieldProblems(input),
      ...(countProblem ? [countProblem] : await this.attachmentIdProblems(accountId, input.attachmentIds, input.id ?? null)),
    ];
    if (problems.length) throw refuseFields(problems);
    const fields = actionFieldsOf(input);

    const received: ReceivedFile[] = [];
    try {
      for (const [index, upload] of uploads.entries()) {
        received.push(await this.filesService.receive(upload, `files.${index}`));
      }
      const action = await this.db.transaction(async (tx) => {
        const actions = this.actions.with(tx);
        const files = this.files.with(tx);
        const isCreate = !input.id;
        // First: it takes the blobs' locks, which must come before any row lock (docs/storage.md).
        const inserted = await this.filesService.insertReceived(tx, accountId, received);
        if (!isCreate) await actions.lockAgainstInvokes(input.id!);
        const row = isCreate
          ? await actions.create(accountId, input.agentId, fields)
          : await this.updateOrExplain(actions, accountId, input.id!, fields, input.expectedVersion ?? undefined);
        const ordered = [...input.attachmentIds, ...inserted.map((a) => a.id)];
        const pinned = await files.pin(accountId, row.id, ordered);
        if (pinned !== ordered.length) {
          throw new AppError(ErrorCode.CONFLICT, 'An attachment was just used by another save. Please try again.');
        }
        const removed = await files.unpinAllExcept(row.id, ordered);
        if (isCreate) {
          await recordEvent(tx, EVENTS.ACTION_CREATED, {
            account_id: accountId,
            agent_id: row.agentId,
            action_id: row.id,
            file_count: ordered.length,
            content_message_mode: row.contentMode === 'MANUAL' ? 'manual' : 'ai',
          });
        }
        return { row, removed };
      });
      await this.filesService.discardUnreferenced(action.removed);
      const [view] = await this.withDetails(accountId, [action.row]);
      return view!;
    } catch (error) {
      await this.filesService.discardReceived(received);
      throw error;
    }
  }

  async setEnabled(viewer: Viewer | null, id: string, enabled: boolean): Promise<ActionView> {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_WRITE);
    // Turning an action off is always allowed: it is how a builder stops it quickly.
    if (enabled) await this.accounts.requireSendAttachmentEnabled(accountId);
    await this.requireAction(accountId, id);
    const row = await this.db.transaction(async (tx) => {
      const actions = this.actions.with(tx);
      await actions.lockAgainstInvokes(id);
      return actions.setEnabled(accountId, id, enabled);
    });
    if (!row) throw AppError.notFound('action');
    const [view] = await this.withDetails(accountId, [row]);
    return view!;
  }

  async delete(viewer: Viewer | null, id: string): Promise<boolean> {
    const { accountId } = requirePermission(viewer, Permission.CONFIG_WRITE);
    await this.requireAction(accountId, id);
    const removed = await this.db.transaction(async (tx) => {
      const actions = this.actions.with(tx);
      await actions.lockAgainstInvokes(id);
      await actions.softDelete(accountId, id);
      return this.files.with(tx).unpinAllExcept(id, []);
    });
    await this.filesService.discardUnreferenced(removed);
    return true;
  }

  async requireAction(accountId: string, id: string): Promise<ActionRow> {
    const row = isUuid(id) ? await this.actions.find(accountId, id) : undefined;
    if (!row) throw AppError.notFound('action');
    return row;
  }

  private async updateOrExplain(
    actions: ActionsRepository,
    accountId: string,
    id: string,
    fields: ReturnType<typeof actionFieldsOf>,
    expectedVersion: number | undefined,
  ): Promise<ActionRow> {
    const row = await actions.update(accountId, id, fields, expectedVersion);
    if (row) return row;
    const current = await actions.find(accountId, id);
    if (!current) throw AppError.notFound('action');
    throw new AppError(
      ErrorCode.CONFLICT,
      `Someone else saved this action first (you edited version ${expectedVersion}, it is now version ${current.version}). Reload to see their changes.`,
      undefined,
      ConflictReason.STALE_VERSION,
    );
  }

  /** Each kept id must be this account's, and staged or already pinned to this action. */
  private async attachmentIdProblems(accountId: string, ids: string[], actionId: string | null): Promise<FieldProblem[]> {
    const valid = ids.filter(isUuid);
    const rows = await this.files.findMany(accountId, valid);
    const usable = new Set(rows.filter((r) => r.actionId === null || r.actionId === actionId).map((r) => r.id));
    const index = ids.findIndex((id) => !usable.has(id));
    if (index < 0) return [];
    return [
      {
        field: `attachmentIds.${index}`,
        reason: InputReason.UNKNOWN_ATTACHMENT,
        message: 'This attachment no longer exists (it may have expired or belong to another action). Please upload it again.',
      },
    ];
  }

  private async withDetails(accountId: string, rows: ActionRow[]): Promise<ActionView[]> {
    const ids = rows.map((r) => r.id);
    const [attachments, usage] = await Promise.all([this.files.listPinned(accountId, ids), this.sends.usageByAction(accountId, ids)]);
    return rows.map((row) => ({
      ...row,
      attachments: attachments.filter((a) => a.actionId === row.id),
      usage: usage.get(row.id) ?? NO_USAGE,
    }));
  }
}
