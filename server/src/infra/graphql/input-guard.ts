import type { MiddlewareFn } from 'type-graphql';
import { requireDateInRange, requireListSize, requireStorableText } from '../input-rules.js';
import type { GraphQLContext } from './context.js';

/** Plain objects only: input objects and argument maps. Uploads, Dates and the like are leaves. */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Walks one argument value; `field` is the innermost named key, as refusals elsewhere name it. */
function check(value: unknown, field: string): void {
  if (typeof value === 'string') requireStorableText(value, field);
  else if (value instanceof Date) requireDateInRange(value, field);
  else if (Array.isArray(value)) {
    requireListSize(value.length, field);
    for (const item of value) check(item, field);
  } else if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    for (const [key, inner] of Object.entries(value)) check(inner, key);
  }
}

/**
 * Every argument of every field, before its resolver runs (a type-graphql global middleware, so
 * no resolver can forget it): no string with a NUL or a lone surrogate, no list over
 * MAX_LIST_ITEMS, no date outside the years 1–9999. These would otherwise reach Postgres as
 * errors (answered INTERNAL_SERVER_ERROR) or a URL (encodeURIComponent throws). Field-specific
 * rules (lengths, formats) stay with the service that owns the field.
 */
export const InputGuard: MiddlewareFn<GraphQLContext> = ({ args }, next) => {
  for (const key in args) check(args[key], key);
  return next();
};
