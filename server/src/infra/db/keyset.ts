import { and, eq, lt, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';

/** A position in a newest-first list: created_at as Postgres prints it (microseconds kept) and id. */
export interface TimeCursor {
  createdAt: string;
  id: string;
}

/** created_at as text for the next cursor: a JS Date would drop the microseconds and skip rows. */
export const cursorText = (createdAt: AnyColumn) => sql<string>`${createdAt}::text`;

/** Rows after `cursor` in (created_at desc, id desc) order; nothing when there is no cursor. */
export function olderThan(createdAt: AnyColumn, id: AnyColumn, cursor: TimeCursor | null): SQL | undefined {
  if (!cursor) return undefined;
  const at = sql`${cursor.createdAt}::timestamptz`;
  return or(lt(createdAt, at), and(eq(createdAt, at), lt(id, cursor.id)));
}
