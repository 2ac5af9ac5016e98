import { DrizzleQueryError } from 'drizzle-orm';

/**
 * An error as it may be logged: never with what the caller sent. drizzle's query errors carry
 * every SQL parameter in their message and stack ("params: <caption>,<conversation id>,…"),
 * and Postgres quotes the offending value in its messages (`invalid input syntax for type uuid:
 * "…"`) and the whole row in `detail`. So: the SQL text (placeholders only), Postgres's code,
 * routine and names of the table, column and constraint, and messages with quoted values
 * replaced by "…". Use it wherever an unexpected error is logged.
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (error instanceof DrizzleQueryError) {
    return { name: 'DrizzleQueryError', query: error.query, cause: errorForLog(error.cause), stack: framesOf(error) };
  }
  if (error instanceof Error && error.name === 'PostgresError') {
    const pg = error as Error & Record<string, unknown>;
    return {
      name: 'PostgresError',
      code: pg.code,
      message: redactValues(error.message),
      routine: pg.routine,
      table: pg.table_name,
      column: pg.column_name,
      constraint: pg.constraint_name,
    };
  }
  if (error instanceof Error) {
    return {
      name: error.name,
      message: redactValues(error.message),
      stack: framesOf(error),
      ...(error.cause === undefined ? {} : { cause: errorForLog(error.cause) }),
    };
  }
  return { name: typeof error };
}

/**
 * `…: "value"` and `…=(value)` as Postgres and drivers print the values they reject, and
 * drizzle's `params: …`, replaced by "…". Also for Postgres's own server log (embedded.ts).
 */
export function redactValues(message: string): string {
  return message
    .replace(/(:\s*)"(?:[^"\\]|\\.)*"/g, '$1"…"')
    .replace(/=\(.*?\)(?=\s|$)/g, '=(…)')
    .replace(/\bparams: .*/gs, 'params: …');
}

/** The stack's frames only: its first lines repeat the message (drizzle's spans two, with the params). */
function framesOf(error: Error): string | undefined {
  return error.stack
    ?.split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}
