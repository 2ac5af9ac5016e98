import { stringify } from 'csv-stringify/sync';
import { Permission } from '../accounts/roles.js';
import { requirePermission, type Viewer } from '../accounts/viewer.js';
import { AppError, InputReason } from '../infra/errors.js';
import { requireDateInRange, requireListSize, requireStorableText } from '../infra/input-rules.js';
import { sendReasonLabel } from './failure-reasons.js';
import type { SendCursor, SendListFilter, SendsRepository } from './sends.repository.js';
import { SendStatus } from './sends.model.js';

const PAGE = 1000;
type Page = Awaited<ReturnType<SendsRepository['page']>>;
const STATUSES: readonly string[] = Object.values(SendStatus);

export const CSV_COLUMNS = [
  'send_id', 'created_at', 'completed_at', 'status', 'reason', 'channel', 'agent_id', 'action_id',
  'action_name', 'conversation_id', 'file_count', 'failed_attempts', 'caption',
  // Last, so readers of the first columns are undisturbed: the reason in words, and whether a
  // builder sent it as a test (Send a test; left out of the dashboard's figures).
  'reason_label', 'is_test',
] as const;

/**
 * CSV rows (RFC 4180, CRLF). `escape_formulas` prefixes a quote mark to a cell starting with
 * = + - @ tab or CR (and their full-width forms), so a caption cannot run as a formula when
 * the export is opened in a spreadsheet. csv-stringify only quotes line breaks that match the
 * record delimiter; `quoted_match` quotes a lone CR or LF too.
 */
export function csvRows(rows: unknown[][]): string {
  return stringify(rows, {
    record_delimiter: '\r\n',
    escape_formulas: true,
    quoted_match: /[\r\n]/,
    cast: { date: (d) => d.toISOString(), boolean: (b) => String(b) },
  });
}

/** The `sends` filters from a query string (`?status=FAILED,SENT&channel=whatsapp&from=…`). */
export function parseSendFilter(query: Record<string, unknown>): SendListFilter {
  const one = (name: string) => {
    const v = query[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw AppError.badInput(name, InputReason.INVALID_VALUE, `Give ${name} once.`);
    // The same rules as every GraphQL argument (infra/graphql/input-guard.ts).
    requireStorableText(v, name);
    return v;
  };
  const list = (name: string) => {
    const values = one(name)?.split(',').map((s) => s.trim()).filter(Boolean);
    if (values) requireListSize(values.length, name);
    return values;
  };
  const date = (name: string) => {
    const v = one(name);
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw AppError.badInput(name, InputReason.INVALID_VALUE, `${name} must be an ISO date-time.`);
    requireDateInRange(d, name);
    return d;
  };
  const status = list('status');
  const unknown = status?.find((s) => !STATUSES.includes(s));
  if (unknown) throw AppError.badInput('status', InputReason.INVALID_VALUE, `Unknown status "${unknown}". Use ${STATUSES.join(', ')}.`);
  return {
    status: status as SendStatus[] | undefined,
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

  /**
   * Checks the token, then the filters, then reads the first page, all before the first line:
   * every refusal, and any failure of the first query, can still be an error response rather
   * than a CSV cut off after its header.
   */
  async open(viewer: Viewer | null, query: Record<string, unknown>): Promise<AsyncGenerator<string>> {
    const { accountId } = requirePermission(viewer, Permission.HISTORY_READ);
    const filter = parseSendFilter(query);
    const first = await this.sends.page(accountId, filter, PAGE, null);
    return this.lines(accountId, filter, first);
  }

  private async *lines(accountId: string, filter: SendListFilter, first: Page): AsyncGenerator<string> {
    yield csvRows([[...CSV_COLUMNS]]);
    let page = first;
    for (;;) {
      const fileCounts = await this.sends.fileCounts(page.rows.map((r) => r.send.id));
      const chunk = csvRows(
        page.rows.map(({ send, actionName }) => [
          send.id, send.createdAt, send.completedAt, send.status, send.reason, send.channel, send.agentId,
          send.actionId, actionName, send.conversationId, fileCounts.get(send.id) ?? 0, send.failedAttempts, send.caption,
          send.reason && sendReasonLabel(send.reason), send.isTest,
        ]),
      );
      if (chunk) yield chunk;
      const last = page.rows.at(-1);
      if (!page.hasNextPage || !last) return;
      const after: SendCursor = { createdAt: last.cursorAt, id: last.send.id };
      page = await this.sends.page(accountId, filter, PAGE, after);
    }
  }
}
