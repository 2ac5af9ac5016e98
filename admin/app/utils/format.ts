const MB = 1024 * 1024;

/** "75 MB", "1.4 MB", "820 KB": counted in binary units, as the server's 75 MB cap is. */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${trim(bytes / MB)} MB`;
  if (bytes >= 1024) return `${trim(bytes / 1024)} KB`;
  return `${bytes} B`;
}

function trim(value: number): string {
  return value >= 10 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '');
}

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '';
}

/** The extension of a file name, lower case, without the dot. */
export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '';
}

const KIND_ICONS: Record<string, string> = {
  image: 'i-lucide-file-image',
  video: 'i-lucide-file-video',
  audio: 'i-lucide-file-audio',
  document: 'i-lucide-file-text',
};

export function kindIcon(kind: string | null | undefined): string {
  return (kind && KIND_ICONS[kind]) || 'i-lucide-file';
}

const integer = new Intl.NumberFormat('en');
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** "12,345" */
export function formatNumber(value: number): string {
  return integer.format(value);
}

/** "97.5%", or an em dash when there is no rate (nothing finished). */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${oneDecimal.format(value)}%`;
}

/** A signed change: "+2.5 pts", "−12%"; an em dash when there is nothing to compare. */
export function formatChange(value: number | null | undefined, unit: '%' | ' pts'): string {
  if (value === null || value === undefined) return '—';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  return `${sign}${oneDecimal.format(Math.abs(value))}${unit}`;
}

/** "850 ms", "2.4 s" */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${integer.format(ms)} ms` : `${oneDecimal.format(ms / 1000)} s`;
}

const dateTimeSeconds = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' });

/** With seconds, for delivery attempts a few seconds apart. */
export function formatDateTimeSeconds(iso: string | null | undefined): string {
  return iso ? dateTimeSeconds.format(new Date(iso)) : '';
}
