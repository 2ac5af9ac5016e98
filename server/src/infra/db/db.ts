import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Sql = postgres.Sql;
export type Db = PostgresJsDatabase<typeof schema>;
/** A drizzle handle inside a transaction; repositories accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

/**
 * Holds a lock named `key` until the current transaction ends: serialises work that must not
 * run twice at once (two trainings of an agent, two duplicate invokes, two alert evaluations).
 * `shared` locks exclude only `exclusive` ones, and a waiting exclusive lock queues the shared
 * ones that come after it (unlike a row's FOR SHARE lock, which lets a stream of sharers starve a writer).
 */
export async function lockUntilCommit(db: DbOrTx, key: string, mode: 'shared' | 'exclusive' = 'exclusive'): Promise<void> {
  await db.execute(
    mode === 'shared'
      ? sql`select pg_advisory_xact_lock_shared(hashtext(${key}))`
      : sql`select pg_advisory_xact_lock(hashtext(${key}))`,
  );
}

/**
 * Key spaces of `lockIdsUntilCommit`. Postgres keeps two-key advisory locks apart from the
 * one-key locks `lockUntilCommit` takes, so these cannot collide with a hashed name.
 */
export const LOCK_SPACE = { BLOB: 1 } as const;

/**
 * Holds the locks (`space`, id) for every id until the current transaction ends. They are taken
 * in ascending order, so two transactions locking overlapping sets cannot deadlock; `shared`
 * locks exclude only `exclusive` ones (many readers of a thing, or one writer).
 */
export async function lockIdsUntilCommit(
  db: DbOrTx,
  space: (typeof LOCK_SPACE)[keyof typeof LOCK_SPACE],
  ids: number[],
  mode: 'shared' | 'exclusive',
): Promise<void> {
  for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
    await db.execute(
      mode === 'shared'
        ? sql`select pg_advisory_xact_lock_shared(${space}::int, ${id}::int)`
        : sql`select pg_advisory_xact_lock(${space}::int, ${id}::int)`,
    );
  }
}

export interface Database {
  sql: Sql;
  db: Db;
  close(): Promise<void>;
}

/** Raw SQL with positional parameters over a postgres.js handle, as pg-boss's `db` option takes it. */
export function rawExecutor(sql: Pick<Sql, 'unsafe'>) {
  return {
    executeSql: async (text: string, values: unknown[] = []) => ({
      rows: await sql.unsafe(text, values.map(asNodePostgresWould) as postgres.ParameterOrJSON<never>[]),
    }),
  };
}

/**
 * pg-boss is written for node-postgres, which sends undefined as null and plain objects as
 * JSON text; postgres.js refuses undefined and does not stringify.
 */
function asNodePostgresWould(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value) && !Array.isArray(value)) {
    return JSON.stringify(value);
  }
  return value;
}

/**
 * drizzle asks postgres.js for an unnamed statement on every query (`prepare: false`), and for
 * a query with parameters postgres.js then describes it first: two round trips and a fresh
 * parse and plan each time. Named statements are described once per connection and then sent
 * as one Bind/Execute. Our statements are a small fixed set (IN lists vary by length only), so
 * the per-connection cache stays small. Wraps `begin` too, so drizzle's own transactions and
 * ours prepare the same way.
 */
function preparing(sql: Sql): Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, params as never, { ...options, prepare: true });
      }
      if (prop === 'begin') {
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: Sql) => unknown;
          return (target.begin as (...a: unknown[]) => unknown)(...args, (tx: Sql) => fn(preparing(tx)));
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * Runs `fn` in one postgres.js transaction with a drizzle handle on it; pg-boss joins the same
 * transaction through `enqueueInTransaction`, so our rows and a job commit or roll back together.
 * Not drizzle's `db.transaction`: see the comment on the handle below.
 */
export function inTransaction<T>(database: Database, fn: (db: Db) => Promise<T>): Promise<T> {
  return database.sql.begin(async (tx) => {
    // A transaction handle lacks `options`, which drizzle reads for its type parsers; they
    // are the pool's (drizzle already set its parsers there when it was connected).
    // No `schema` here: drizzle() walks the whole schema for the relational API on every call
    // (measurable per invoke), and no transaction uses that API (`db.query.*`).
    const db = drizzle(preparing(Object.assign(tx, { options: database.sql.options }) as unknown as Sql)) as unknown as Db;
    return fn(db);
  }) as Promise<T>;
}

export function connect(url: string, options: { max?: number } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Postgres restarts must not take the server down: idle connections are replaced lazily.
    idle_timeout: 30,
    connection: { application_name: 'send-attachment' },
  });
  const db = drizzle(preparing(sql), { schema });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}

/** The migrations folder at the repository root, found from this file in src/ or dist/. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../migrations');

export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
