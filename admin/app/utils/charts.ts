import type { StatsBucket } from '~/components/dashboard/dashboard.documents';

/** Chart colours (Tailwind's green, red, amber, sky, violet, slate), readable on the light theme. */
export const CHART_COLORS = {
  sent: '#16a34a',
  failed: '#dc2626',
  rate: '#0284c7',
  target: '#64748b',
  series: ['#dc2626', '#f59e0b', '#7c3aed', '#0284c7', '#db2777', '#64748b'],
};

const hour = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
const day = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** A bucket's label: the server's buckets are UTC hours, days and ISO weeks. */
export function bucketLabel(iso: string, bucket: StatsBucket): string {
  const date = new Date(iso);
  if (bucket === 'HOUR') return hour.format(date);
  if (bucket === 'WEEK') return `Week of ${day.format(date)}`;
  return day.format(date);
}

/** Dense cells for the tables beside the charts (UTable's default padding is for page-wide tables). */
export const COMPACT_TABLE = { th: 'px-2 py-1.5 font-medium text-muted', td: 'px-2 py-1 tabular-nums text-default' };
