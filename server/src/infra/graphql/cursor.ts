import { AppError, InputReason } from '../errors.js';
import { isUuid } from '../ids.js';
import type { TimeCursor } from '../db/keyset.js';

/**
 * The opaque `after` cursor of the newest-first lists (history, alert history, flag changes):
 * the last row's created_at as Postgres prints it (microseconds kept) and its id.
 */

/** created_at as Postgres prints it, e.g. `2026-11-21 23:31:55.123456+00`. */
const POSTGRES_TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?[+-](\d{2})(:(\d{2}))?$/;

/**
 * A cursor's timestamp, checked field by field: well-formed but impossible ones
 * (`2026-02-30`, `25:00`, year 0) would otherwise reach Postgres and fail there.
 */
function isPossibleTimestamp(text: string): boolean {
  const m = POSTGRES_TIMESTAMPTZ.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 8, 10].map((i) => Number(m[i] ?? 0)) as number[];
  const date = new Date(Date.UTC(year!, month! - 1, day!));
  date.setUTCFullYear(year!);
  return (
    year! >= 1 &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    hour! < 24 &&
    minute! < 60 &&
    second! < 60 &&
    offsetHours! <= 15 &&
    offsetMinutes! < 60
  );
}

export function encodeCursor(cursor: TimeCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string): TimeCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'string' && isPossibleTimestamp(createdAt) && isUuid(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through
  }
  throw AppError.badInput('after', InputReason.INVALID_VALUE, 'This cursor is not valid; start again from the first page.');
}
