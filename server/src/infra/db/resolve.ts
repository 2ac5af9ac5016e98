import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { clusterPassword, startEmbeddedPostgres } from './embedded.js';
import { makePrivateDir } from '../private-files.js';

export const APP_DATABASE = 'send_attachment';

export interface DatabaseHandle {
  url: string;
  /** Stops the embedded cluster when this process started it. */
  stop(): Promise<void>;
}

async function canConnect(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select 1 as ok from pg_database where datname = ${name}`;
    if (!row) await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/**
 * DATABASE_URL when set; otherwise the embedded cluster under DATA_DIR/postgres, reusing one
 * that `pnpm start` already runs (so `pnpm ops` works beside it) or starting it.
 */
export async function openDatabase(config: Config, log: Logger): Promise<DatabaseHandle> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => {} };
  makePrivateDir(config.dataDir);
  const dir = path.join(config.dataDir, 'postgres');
  const portFile = path.join(dir, 'port');
  // Read each time: a start may have just replaced a legacy password.
  const appUrl = (port: number) => `postgres://postgres:${encodeURIComponent(clusterPassword(dir))}@127.0.0.1:${port}/${APP_DATABASE}`;
  if (fs.existsSync(portFile)) {
    const port = Number(fs.readFileSync(portFile, 'utf8'));
    if (await canConnect(appUrl(port))) return { url: appUrl(port), stop: async () => {} };
  }
  const embedded = await startEmbeddedPostgres(dir, log, { statStatements: config.embeddedStatStatements });
  await ensureDatabase(embedded.url, APP_DATABASE);
  const port = Number(new URL(embedded.url).port);
  return { url: appUrl(port), stop: embedded.stop };
}
