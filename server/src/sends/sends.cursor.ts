import { AppError, InputReason } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import type { SendCursor } from './sends.repository.js';

/** created_at as Postgres prints it, e.g. `2026-11-21 23:31:55.123456+00`. */
const POSTGRES_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function encodeCursor(cursor: SendCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string): SendCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'string' && POSTGRES_TIMESTAMPTZ.test(createdAt) && isUuid(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through
  }
  throw AppError.badInput('after', InputReason.INVALID_VALUE, 'This cursor is not valid; start again from the first page.');
}
