import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import { AppError, InputReason } from '../infra/errors.js';
import { conversationUrl } from './conversation-url.js';
import { decodeCursor, encodeCursor } from '../infra/graphql/cursor.js';
import type { SendListFilter, SendRow, SendsRepository } from './sends.repository.js';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** The send history: `sends` (pages, newest first) and `send` (one, with files and attempts); the AI service may read it too. */
export class SendHistoryService {
  /** `conversationUrlTemplate`: CHAT_SERVICE_CONVERSATION_URL, if set. */
  constructor(
    private readonly sends: SendsRepository,
    private readonly conversationUrlTemplate: string | undefined,
  ) {}

  async list(viewer: Viewer | null, filter: SendListFilter | null | undefined, first: number | null | undefined, after: string | null | undefined) {
    const { accountId } = requirePermission(viewer, Permission.SENDS_READ);
    const size = first ?? DEFAULT_PAGE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
      throw AppError.badInput('first', InputReason.INVALID_VALUE, `first must be from 1 to ${MAX_PAGE}.`);
    }
    const page = await this.sends.page(accountId, filter ?? {}, size, after ? decodeCursor(after) : null);
    const details = await this.details(page.rows.map((r) => r.send.id));
    const edges = page.rows.map((r) => ({
      cursor: encodeCursor({ createdAt: r.cursorAt, id: r.send.id }),
      node: { ...r.send, actionName: r.actionName, conversationUrl: this.linkOf(r.send), ...details(r.send.id) },
    }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      // Counted only when totalCount is selected (SendConnectionResolver): counting a large
      // history costs far more than reading one page.
      countAll: () => this.sends.count(accountId, filter ?? {}),
    };
  }

  async get(viewer: Viewer | null, id: string) {
    const { accountId } = requirePermission(viewer, Permission.SENDS_READ);
    const row = await this.sends.findWithAction(accountId, id);
    if (!row) return null;
    const details = await this.details([row.send.id]);
    return { ...row.send, actionName: row.actionName, conversationUrl: this.linkOf(row.send), ...details(row.send.id) };
  }

  private linkOf(send: SendRow): string | null {
    return this.conversationUrlTemplate ? conversationUrl(this.conversationUrlTemplate, send.conversationId, send.channel) : null;
  }

  private async details(sendIds: string[]) {
    const [files, attempts] = await Promise.all([this.sends.filesFor(sendIds), this.sends.attemptsFor(sendIds)]);
    return (sendId: string) => ({
      files: files.filter((f) => f.sendId === sendId),
      attempts: attempts.filter((a) => a.sendId === sendId).map((a) => ({ ...a, id: String(a.id) })),
    });
  }
}
