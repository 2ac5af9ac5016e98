/**
 * The history's filter as URL query parameters, named as the CSV export names them
 * (`status`, `channel`, `reason` comma-separated; `actionId`, `agentId`, `conversationId`;
 * `from`, `to` ISO date-times), so a filter is one link and one export.
 */
export interface HistoryFilter {
  status: string[];
  channel: string[];
  reason: string[];
  actionId: string;
  agentId: string;
  conversationId: string;
  from: string;
  to: string;
}

export const EMPTY_FILTER: HistoryFilter = { status: [], channel: [], reason: [], actionId: '', agentId: '', conversationId: '', from: '', to: '' };
const LISTS = ['status', 'channel', 'reason'] as const;
const SINGLES = ['actionId', 'agentId', 'conversationId', 'from', 'to'] as const;

type QueryValue = string | null | (string | null)[] | undefined;

export function filterFromQuery(query: Record<string, QueryValue>): HistoryFilter {
  const one = (v: QueryValue) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
  const filter = { ...EMPTY_FILTER };
  for (const key of LISTS) filter[key] = one(query[key]).split(',').map((s) => s.trim()).filter(Boolean);
  for (const key of SINGLES) filter[key] = one(query[key]);
  return filter;
}

/** Only the parts that are set; the same parameters serve the page URL and the CSV export. */
export function filterToQuery(filter: Partial<HistoryFilter>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of LISTS) if (filter[key]?.length) query[key] = filter[key]!.join(',');
  for (const key of SINGLES) if (filter[key]) query[key] = filter[key]!;
  return query;
}

export function historyPath(filter: Partial<HistoryFilter>): string {
  const params = new URLSearchParams(filterToQuery(filter)).toString();
  return params ? `/history?${params}` : '/history';
}

/** The GraphQL SendFilter (unset parts left out). */
export function toSendFilter(filter: HistoryFilter) {
  return {
    status: filter.status.length ? (filter.status as ('QUEUED' | 'SENDING' | 'SENT' | 'FAILED' | 'CANCELLED')[]) : undefined,
    channel: filter.channel.length ? filter.channel : undefined,
    reason: filter.reason.length ? filter.reason : undefined,
    actionId: filter.actionId || undefined,
    agentId: filter.agentId || undefined,
    conversationId: filter.conversationId || undefined,
    from: filter.from || undefined,
    to: filter.to || undefined,
  };
}
