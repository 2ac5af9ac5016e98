import type { StatsBucket } from '~/components/dashboard/dashboard.documents';

export type RangePreset = '24h' | '7d' | '30d' | '90d' | 'custom';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The quick ranges, each with the bucket that gives a readable chart (24 to 90 points). */
export const RANGE_PRESETS: { value: Exclude<RangePreset, 'custom'>; label: string; ms: number; bucket: StatsBucket }[] = [
  { value: '24h', label: 'Last 24 hours', ms: DAY, bucket: 'HOUR' },
  { value: '7d', label: 'Last 7 days', ms: 7 * DAY, bucket: 'DAY' },
  { value: '30d', label: 'Last 30 days', ms: 30 * DAY, bucket: 'DAY' },
  { value: '90d', label: 'Last 90 days', ms: 90 * DAY, bucket: 'WEEK' },
];

/** A sensible bucket for any span: hours up to two days, days up to ~two months, then weeks. */
export function bucketFor(spanMs: number): StatsBucket {
  if (spanMs <= 2 * DAY) return 'HOUR';
  if (spanMs <= 62 * DAY) return 'DAY';
  return 'WEEK';
}

/** The end of the current UTC hour: the server counts whole hours, so the current one is included. */
function endOfThisHour(now = Date.now()): number {
  return Math.floor(now / HOUR) * HOUR + HOUR;
}

/** The end of the current UTC day: ranges counted in days are whole days, today included. */
function endOfToday(now = Date.now()): number {
  return Math.floor(now / DAY) * DAY + DAY;
}

/** "2026-03-01" (a UTC day) → its start as an ISO instant. */
export function utcDayStart(day: string): string {
  return new Date(`${day}T00:00:00.000Z`).toISOString();
}

interface RangeState {
  preset: RangePreset;
  from: string;
  to: string;
  bucket: StatsBucket;
  /** UTC days (yyyy-mm-dd) of the custom range, both included. */
  customFrom: string;
  customTo: string;
}

function presetState(preset: Exclude<RangePreset, 'custom'>, previous?: RangeState): RangeState {
  const def = RANGE_PRESETS.find((p) => p.value === preset)!;
  const to = def.bucket === 'HOUR' ? endOfThisHour() : endOfToday();
  const from = new Date(to - def.ms).toISOString();
  return {
    preset,
    from,
    to: new Date(to).toISOString(),
    bucket: def.bucket,
    customFrom: previous?.customFrom || from.slice(0, 10),
    customTo: previous?.customTo || new Date(to - 1).toISOString().slice(0, 10),
  };
}

/**
 * The dashboard's time range, shared by its components (and kept while navigating to the
 * history and back). Buckets are the server's UTC hours, days and ISO weeks.
 */
export function useStatsRange() {
  const state = useState<RangeState>('stats-range', () => presetState('7d'));

  function choose(preset: RangePreset) {
    if (preset === 'custom') applyCustom(state.value.customFrom, state.value.customTo);
    else state.value = presetState(preset, state.value);
  }

  /** A custom range of whole UTC days, `fromDay` to `toDay` included. */
  function applyCustom(fromDay: string, toDay: string) {
    if (!fromDay || !toDay) return;
    const from = utcDayStart(fromDay);
    const to = new Date(Date.parse(utcDayStart(toDay)) + DAY).toISOString();
    state.value = { ...state.value, preset: 'custom', customFrom: fromDay, customTo: toDay, from, to, bucket: bucketFor(Date.parse(to) - Date.parse(from)) };
  }

  function setBucket(bucket: StatsBucket) {
    state.value = { ...state.value, bucket };
  }

  /** Moves a quick range to end now (the custom range stays as it is). */
  function refresh() {
    if (state.value.preset !== 'custom') state.value = presetState(state.value.preset, state.value);
  }

  return { range: computed(() => state.value), choose, applyCustom, setBucket, refresh };
}
