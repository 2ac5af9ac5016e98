import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import { AppError, InputReason } from '../infra/errors.js';
import { failureReasonLabel } from './failure-reasons.js';
import type { SendCursor, SendListFilter, SendsRepository } from './sends.repository.js';

const PAGE = 1000;
const STATUSES = ['QUEUED', 'SENDING', 'SENT', 'FAILED'];

export const CSV_COLUMNS = [
  'send_id', 'created_at', 'completed_at', 'status', 'reason', 'channel', 'agent_id', 'action_id',
  'action_name', 'conversation_id', 'file_count', 'failed_attempts', 'caption',
  // Last, so readers of the first columns are undisturbed: the reason in words.
  'reason_label',
] as const;

/**
 * One CSV cell: quoted when needed, and a leading = + - @ (or tab/CR) defused with a quote
 * mark, so a caption cannot run as a formula when the export is opened in a spreadsheet.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The `sends` filters from a query string (`?status=FAILED,SENT&channel=whatsapp&from=…`). */
export function parseSendFilter(query: Record<string, unknown>): SendListFilter {
  const one = (name: string) => {
    const v = query[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw AppError.badInput(name, InputReason.INVALID_VALUE, `Give ${name} once.`);
    return v;
  };
  const list = (name: string) => one(name)?.split(',').map((s) => s.trim()).filter(Boolean);
  const date = (name: string) => {
    const v = one(name);
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw AppError.badInput(name, InputReason.INVALID_VALUE, `${name} must be an ISO date-time.`);
    return d;
  };
  const status = list('status');
  const unknown = status?.find((s) => !STATUSES.includes(s));
  if (unknown) throw AppError.badInput('status', InputReason.INVALID_VALUE, `Unknown status "${unknown}". Use ${STATUSES.join(', ')}.`);
  return {
    status,
    channel: list('channel'),
    reason: list('reason'),
    actionId: one('actionId'),
    agentId: one('agentId'),
    conversationId: one('conversationId'),
    from: date('from'),
    to: date('to'),
  };
}

/** The send history as CSV, streamed page by page so memory stays flat however many rows match. */
export class SendsExport {
  constructor(private readonly sends: SendsRepository) {}

  /** Checks access before the first line, so a refusal can still be an error response. */
  open(viewer: Viewer | null, filter: SendListFilter): AsyncGenerator<string> {
    const { accountId } = requirePermission(viewer, Permission.HISTORY_READ);
    return this.lines(accountId, filter);
  }

  private async *lines(accountId: string, filter: SendListFilter): AsyncGenerator<string> {
    yield `${CSV_COLUMNS.join(',')}\r\n`;
    let after: SendCursor | null = null;
    for (;;) {
      const page = await this.sends.page(accountId, filter, PAGE, after);
      const fileCounts = await this.sends.fileCounts(page.rows.map((r) => r.send.id));
      let chunk = '';
      for (const { send, actionName } of page.rows) {
        chunk += `${[
          send.id, send.createdAt, send.completedAt, send.status, send.reason, send.channel, send.agentId,
          send.actionId, actionName, send.conversationId, fileCounts.get(send.id) ?? 0, send.failedAttempts, send.caption,
          send.reason && failureReasonLabel(send.reason),
        ].map(csvCell).join(',')}\r\n`;
      }
      if (chunk) yield chunk;
      const last = page.rows.at(-1);
      if (!page.hasNextPage || !last) return;
      after = { createdAt: last.cursorAt, id: last.send.id };
    }
  }
}
