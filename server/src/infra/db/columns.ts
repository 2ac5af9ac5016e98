import { timestamp } from 'drizzle-orm/pg-core';

/** The created_at column every table shares. */
export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A string enum's values as the non-empty tuple pgEnum takes: the vocabulary is declared once, in the domain. */
export function enumValues<E extends Record<string, string>>(vocabulary: E): [E[keyof E], ...E[keyof E][]] {
  return Object.values(vocabulary) as [E[keyof E], ...E[keyof E][]];
}
