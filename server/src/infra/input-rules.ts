import { AppError, InputReason } from './errors.js';

/**
 * Rules every input obeys before it reaches Postgres, a URL or a log, whatever field it is in:
 * GraphQL arguments (infra/graphql/input-guard.ts checks every one) and the CSV export's query
 * string (sends.export.ts). Each refusal names the field.
 */

/** Longest list any argument may carry (filters, ids): far below Postgres's 65,535 parameters. */
export const MAX_LIST_ITEMS = 100;

/** Postgres stores timestamps from 4713 BC, but year 0 and BC dates are nobody's send history. */
const EARLIEST = Date.UTC(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- a NUL is exactly what this refuses
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses text Postgres or a URL cannot hold: a NUL character (Postgres text cannot store it)
 * or a lone UTF-16 surrogate (not Unicode: encodeURIComponent throws on it, UTF-8 mangles it).
 */
export function requireStorableText(value: string, field: string): void {
  if (UNSTORABLE.test(value)) {
    throw AppError.badInput(
      field,
      InputReason.INVALID_CHARACTERS,
      `${field} contains a NUL character or broken Unicode (a lone surrogate); remove it and try again.`,
    );
  }
}

export function requireListSize(length: number, field: string): void {
  if (length > MAX_LIST_ITEMS) {
    throw AppError.badInput(field, InputReason.TOO_MANY_VALUES, `${field} may list at most ${MAX_LIST_ITEMS} values (got ${length}).`);
  }
}

export function requireDateInRange(value: Date, field: string): void {
  const t = value.getTime();
  if (!(t >= EARLIEST && t <= LATEST)) {
    throw AppError.badInput(field, InputReason.INVALID_VALUE, `${field} must be a date between the years 1 and 9999.`);
  }
}

/**
 * A ChatService room id (a conversation id), which becomes a segment of the URL path of the
 * outbound ChatService request: ASCII letters, digits and `_ - . : @ +`, starting with a letter
 * or digit, at most 255 characters. So `.` and `..` (which would change the path) and `/`, `?`,
 * `#`, `%` are impossible by construction, not by escaping.
 */
export const CONVERSATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,254}$/;

export function requireConversationId(value: string, field = 'conversationId'): void {
  if (!CONVERSATION_ID.test(value)) {
    throw AppError.badInput(
      field,
      InputReason.INVALID_VALUE,
      `${field} must be 1 to 255 characters: letters, digits and _ - . : @ +, starting with a letter or digit.`,
    );
  }
}
